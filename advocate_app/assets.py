"""Built assets (content-hashed CSS and JavaScript), served in the compressed copy the browser accepts.

The build writes each file with ``.br`` and ``.gz`` copies at the highest settings, so no request
compresses them again; the names carry a hash, so browsers may keep them for a year.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Blueprint, abort, current_app, request, send_file
from werkzeug.security import safe_join

bp = Blueprint("assets", __name__)

# Best first: what we prefer to send when the browser accepts several.
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
mimetypes.add_type("text/javascript", ".mjs")


@bp.get("/static/dist/<path:filename>")
def built(filename: str):
    folder = Path(current_app.static_folder) / "dist"
    path = safe_join(str(folder), filename)
    if path is None or not Path(path).is_file() or filename.endswith((".br", ".gz")):
        abort(404)
    accepted = {part.split(";")[0].strip().lower() for part in request.headers.get("Accept-Encoding", "").split(",")}
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    for encoding, suffix in _ENCODINGS:
        if encoding in accepted and Path(path + suffix).is_file():
            response = send_file(path + suffix, mimetype=mimetype, max_age=31536000, conditional=True, etag=True)
            response.headers["Content-Encoding"] = encoding
            break
    else:
        response = send_file(path, mimetype=mimetype, max_age=31536000, conditional=True, etag=True)
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
