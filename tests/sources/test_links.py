"""Links found in abstracts and comments, and what kind each is."""

from __future__ import annotations

from paperwire.sources.links import classify, find_links
from paperwire.sources.records import LinkKind


def kinds(text: str) -> list[tuple[str, str]]:
    return [(str(link.kind), link.url) for link in find_links(text)]


def test_it_finds_code_repositories_with_or_without_a_scheme():
    assert kinds("code at github.com/a/b and https://gitlab.com/g/p.git.") == [
        ("github", "https://github.com/a/b"),
        ("gitlab", "https://gitlab.com/g/p"),
    ]


def test_it_trims_punctuation_and_deep_paths_from_repositories():
    assert kinds("(see https://github.com/a/b/tree/main/src), https://github.com/a/b.") == [
        ("github", "https://github.com/a/b"),
    ]


def test_it_tells_hugging_face_models_datasets_and_spaces_apart():
    text = (
        "https://huggingface.co/org/model https://huggingface.co/datasets/org/data "
        "https://huggingface.co/spaces/org/demo https://huggingface.co/papers/2401.01234"
    )
    assert kinds(text) == [
        (LinkKind.HF_MODEL.value, "https://huggingface.co/org/model"),
        (LinkKind.HF_DATASET.value, "https://huggingface.co/datasets/org/data"),
        (LinkKind.HF_SPACE.value, "https://huggingface.co/spaces/org/demo"),
    ]


def test_other_urls_are_project_pages_but_citations_are_not():
    text = "Page: https://proj.example.org/x; doi https://doi.org/10.1/x; https://arxiv.org/abs/1"
    assert kinds(text) == [("project", "https://proj.example.org/x")]


def test_an_owner_page_is_not_a_repository():
    assert kinds("by https://github.com/someone") == []


def test_text_without_urls_has_no_links():
    assert find_links("We present a method. It works.", "") == []


def test_a_stated_link_and_the_same_link_in_text_are_one_link():
    # What a source states goes through the same rule as what the abstract says.
    for stated in (
        "https://github.com/RED-Search/Qilin/",
        "https://www.github.com/RED-Search/Qilin",
    ):
        assert classify(stated) == find_links("code: github.com/RED-Search/Qilin")[0]


def test_self_hosted_gitlab_is_gitlab():
    assert classify("https://gitlab.inria.fr/team/tool/-/tree/main") == (
        classify("https://gitlab.inria.fr/team/tool")
    )
    assert kinds("https://gitlab.inria.fr/team/tool/") == [
        ("gitlab", "https://gitlab.inria.fr/team/tool")
    ]


def test_citation_hosts_are_known_with_or_without_www():
    assert kinds("https://www.nature.com/articles/x https://nature.com/articles/y") == []
