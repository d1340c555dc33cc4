"""Route of ``/downloads/{key+}``: serves a file of the local blob store through the signed, expiring URL that
``FileBlobStore.url`` issued (large exports and backups). On S3 the URLs are presigned S3 URLs and never come here.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from pydantic import Field

from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, Reply
from chalicelib.core.errors import NotFound
from chalicelib.core.models import QueryModel

group = RouteGroup("downloads", tag="Downloads")


class DownloadQuery(QueryModel):
    expires: int = Field(ge=0, description="Unix time after which the link no longer works.")
    signature: str = Field(min_length=1, max_length=128)


@group.route("GET", "/downloads/{key+}", operation_id="downloadFile", summary="Download a file by signed link",
             action=None, resource=None, query=DownloadQuery, binary=True, documented=False,
             description="Needs no key: the link's signature and expiry are the authorization (a greedy path, so "
                         "not in the OpenAPI document).")
def download(ctx: Ctx) -> Any:
    key = (ctx.request.uri_params or {}).get("key", "")  # a greedy segment: Chalice passes it in uri_params
    verify = getattr(ctx.deps.blobs, "verify_download_token", None)
    if verify is None or not verify(key, ctx.query.expires, ctx.query.signature) or not ctx.deps.blobs.exists(key):
        raise NotFound("this download link is unknown or expired", code="download_not_found")
    media = mimetypes.guess_type(key)[0] or "application/octet-stream"
    name = key.rsplit("/", 1)[-1]
    return Reply(ctx.deps.blobs.get(key), headers={"Content-Type": media,
                                                   "Content-Disposition": f'attachment; filename="{name}"'}, raw=True)


group.seal()
