"""Page-numbered lists: ?page=N, ?page_size=M (1 to 500)."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from diary.validators import is_whole_number


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        """The page size asked for; a repeated, empty or out-of-range one is a 400
        (not silently the default or the maximum)."""
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        valid = len(values) == 1 and is_whole_number(values[0])
        if not valid or not 1 <= int(values[0]) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"Give one number from 1 to {self.max_page_size}."]}
            )
        return int(values[0])

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters
