"""Pagination without COUNT(*): fetch one row more than a page to know if another follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest

M = TypeVar("M", bound=Model)
MAX_PAGE = 1000


@dataclass
class Page(Generic[M]):
    items: list[M]
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.size + 1


def page_number(request: HttpRequest, name: str = "page") -> int:
    try:
        return max(1, min(int(request.GET.get(name, "1")), MAX_PAGE))
    except ValueError:
        return 1


def paginate(queryset: QuerySet[M], number: int, size: int) -> Page[M]:
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(rows[:size], number, size, len(rows) > size)
