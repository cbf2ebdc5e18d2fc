"""The research assistants' pages."""

app_name = "diary"

urlpatterns: list = []
