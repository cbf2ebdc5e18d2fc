"""The crawler itself finds a word wherever a response can carry it."""

import io
import zipfile

from django.http import HttpResponse, JsonResponse

from tests.blinding.crawler import crawl


class FakeClient:
    def __init__(self, pages):
        self.pages = pages

    def get(self, url):
        return self.pages.get(url) or HttpResponse(status=404)


def _zip(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


def test_crawler_follows_links_and_finds_words_in_bodies_headers_zips_and_json():
    download = HttpResponse(b"x", content_type="text/csv")
    download["Content-Disposition"] = 'attachment; filename="secretarm.csv"'
    pages = {
        "/": HttpResponse('<a href="/a/">a</a> <form action="/b/"></form>'),
        "/a/": HttpResponse('<a href="/download/">file</a> <a href="/zip/">zip</a>'),
        "/b/": JsonResponse({"next": "http://testserver/api/?page=2"}),
        "/api/?page=2": JsonResponse({"arm": "SecretArm"}),
        "/download/": download,
        "/zip/": HttpResponse(_zip("data.csv", "1,secretarm\n"), content_type="application/zip"),
    }
    result = crawl(FakeClient(pages), ["/"], ["secretarm"], limit=50)
    where = {(leak.url, leak.where.split(" ")[0]) for leak in result.leaks}
    assert ("/download/", "header") in where
    assert ("/zip/", "zip") in where
    assert ("/api/?page=2", "body") in where
    assert {"/", "/a/", "/b/"} <= set(result.visited)


def test_crawler_finds_nothing_on_clean_pages():
    pages = {"/": HttpResponse("<p>bottle 12</p>")}
    assert crawl(FakeClient(pages), ["/"], ["secretarm"], limit=5).leaks == []
