from tests.diary.ediary.conftest import keeper, token  # noqa: F401 (fixtures)
