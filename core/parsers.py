"""A JSON parser with a size cap and strict JSON: bad bodies are 4xx, never 500; and a multipart
parser that refuses a part Django would drop unread.

Refused with 400 `parse_error`: malformed JSON, invalid UTF-8, NaN/Infinity, numbers that do not fit
(integers beyond 64 bits (no column holds them), floats that overflow to infinity), lone surrogates (no database
can store them), nesting deeper than MAX_DEPTH and a name given twice in one object.
"""

import json
import math
import re
from collections import Counter
from email.message import _parseparam  # type: ignore[attr-defined]
from typing import IO, Any, cast

from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.utils.http import parse_header_parameters
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser

from core.conf import conf
from core.exceptions import PayloadTooLarge

# No request of the API nests anywhere near this deep; well below Python's recursion limit, so
# nothing that walks the parsed value later (serializers, error messages) can run out of stack.
MAX_DEPTH = 32


def _reject_constant(value: str) -> Any:
    raise ValueError(f"{value} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is too large a number")
    return value


def _int64(text: str) -> int:
    if len(text.lstrip("-")) > 19 or not -(2**63) <= (value := int(text)) < 2**63:
        raise ValueError(f"{text[:20]}... is too large a number")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose every name is given once: of `{"audience": "everyone", "audience": "only_me"}`
    Python's json kept the last, silently, where another reader of the same body (a proxy, a log,
    the client's own check) may keep the first; which one counts would be a guess (RFC 7493 § 2.3)."""
    value = dict(pairs)
    if len(value) != len(pairs):
        twice = next(name for name, count in Counter(name for name, _ in pairs).items() if count > 1)
        raise ValueError(f"the name {twice[:40]!r} is given twice in one object")
    return value


def _check(value: Any) -> None:
    """Depth and lone surrogates, walked without recursion (the value may be deep)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("a string holds a lone surrogate (\\ud800-\\udfff)") from None
        elif isinstance(item, (list, dict)):
            if depth > MAX_DEPTH:
                raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):  # type: ignore[no-untyped-def]
        limit = conf().max_json_bytes
        if stream is None:
            return {}
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(f"JSON bodies are limited to {limit} bytes.")
        try:
            data = json.loads(
                raw.decode("utf-8"),
                parse_constant=_reject_constant,
                parse_float=_finite_float,
                parse_int=_int64,
                object_pairs_hook=_object,
            )
            _check(data)
        except RecursionError:
            raise ParseError(f"Malformed JSON: nested deeper than {MAX_DEPTH} levels.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"Malformed JSON: {exc}") from exc
        return data


_TOKEN_CHAR = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]"  # what a header's name is written in (RFC 9110 § 5.6.2)


def _given_twice(disposition: str) -> str | None:
    """A parameter of a Content-Disposition header given twice (`name="a"; name="b"`), as written or
    once plain and once RFC 2231-encoded or continued (`name="a"; name*=UTF-8''b`, `name*0="b"`):
    Django keeps the last (the encoded one), another reader may keep the first, and which part or file
    name the server used would be a guess; a value both encoded whole and continued (`filename*=`
    with `filename*0=`) Django cannot read at all. Split as Django's reader splits it (email.message).
    `filename` with `filename*` is one file name twice, but as .NET sends them: read, as Django reads
    it (the encoded one)."""
    parts = list(_parseparam(disposition))[1:]  # the first is the header's name and the type, form-data
    given: list[tuple[str, str | None]] = []  # (name, None if plain, else the segment: "" if encoded whole)
    for part in parts:
        name = part.split("=", 1)[0].strip().lower()
        encoded = re.fullmatch(r"(\w+)\*(?:([0-9]+)\*?)?", name, re.ASCII)  # as email.utils.decode_params reads it
        if encoded is None:
            given.append((name, None))
        else:  # a segment by its number, as Django reads it: `name*0` and `name*00` are one segment twice
            given.append((encoded[1], (encoded[2].lstrip("0") or "0") if encoded[2] else ""))
    for (name, segment), count in Counter(given).items():
        segments = {s for n, s in given if n == name and s is not None}
        if name and (
            count > 1 or ("" in segments and len(segments) > 1) or (segment is None and segments and name != "filename")
        ):
            return name
    return None


class _PartHeaders:
    """A multipart body read through as Django reads it, each part's headers looked at on the way.
    Django drops a part whose headers it cannot use, silently: a Content-Disposition it cannot parse
    (a `filename*=` in a charset Python does not know, bytes that are not UTF-8), written
    `Content-Disposition :`, folded onto a second line or missing (or a second one behind a form feed,
    which Django strips as it would a space), no `name=`, a file name that is
    empty once its folders are removed, headers that never end in a blank line; and a file in which
    the body ends, without its close delimiter. Other readers of the same body (a proxy, a scanner,
    the client's own log) may read such a part, or a header written on the boundary line or given
    twice, otherwise, and leave out a part before the first delimiter or after the close one, which
    Django reads. Each of these is noted here, to be refused."""

    MAX_HEADERS = 64 * 1024  # a part's headers; Django itself refuses them much shorter

    def __init__(self, stream: Any, boundary: bytes) -> None:
        self._stream, self._delimiter = stream, b"--" + boundary
        # Django reads the preamble (before the first delimiter) as it reads a part: it is looked at
        # as what follows a close delimiter is, from one of our own before the body. Its NUL ends it:
        # no delimiter spans it (a boundary is printable ASCII), and no blank line (CRLF CRLF) either.
        self._pending = self._delimiter + b"--\x00"
        self._preamble, self._closed = True, False  # ours still to be read; the body's own read
        # The headers of the last file part, while no byte follows a delimiter after it: Django keeps
        # a file once it reads on past its part, and drops it where the body ends first.
        self._open_file: bytes | None = None
        self.unread: dict[str, str] = {}  # part name: what is wrong with its headers

    def read(self, size: int = -1) -> bytes:
        chunk: bytes = self._stream.read(size)
        data, at, width = self._pending + chunk, 0, len(self._delimiter)
        while (at := data.find(self._delimiter, at)) != -1:
            start = at + width
            closing = data[start : start + 2] == b"--"  # a part may follow it all the same: Django reads on
            # Django splits at every delimiter, the CRLF before it not part of the part: headers
            # that end later, or right before it, are not this part's.
            following = data.find(self._delimiter, start)
            end = data.find(b"\r\n\r\n", start, following if following != -1 else len(data))
            after = data[end + 4 : end + 4 + width]
            if end != -1 and (after == self._delimiter or (chunk and self._delimiter.startswith(after))):
                if after != self._delimiter:
                    break  # whether the delimiter follows, the next chunk tells
                end = -1
            if end == -1 and following == -1 and chunk:
                break  # the headers may end in the next chunk
            if start < len(data):
                self._open_file = None
            if closing or self._closed:
                # The preamble, the epilogue or a part after the close delimiter: others leave it out,
                # where Django reads a part if it finds a Content-Disposition there (or drops one).
                if closing:  # the first is ours, before the body
                    self._closed, self._preamble = self._closed or not self._preamble, False
                if end != -1 and re.search(rb"content-disposition", data[start:end], re.IGNORECASE):
                    self._note(
                        data[start:end],
                        "This part comes before the first boundary or after the closing one: send it between them.",
                    )
                at = start
                continue
            if end == -1:
                head = data[start : following if following != -1 else len(data)]
                if head.strip():
                    self._note(head, "This part's headers do not end in a blank line (CRLF CRLF).")
                at = start
                continue
            self._check(data[start:end])
            at = end
        if not chunk and self._open_file is not None:  # the body's end
            self._note(self._open_file, "The body ends in this file: end it with the closing boundary (--boundary--).")
        # What may begin a part whose headers end in the next chunk: from its delimiter, else the
        # bytes that could begin a delimiter (Django splits at the delimiter wherever it is).
        self._pending = data[at : at + self.MAX_HEADERS] if at != -1 else data[1 - width :]
        return chunk

    def _check(self, head: bytes) -> None:
        """One part's headers, from just after its delimiter to the blank line that ends them."""
        first, *lines = head.split(b"\r\n")
        dispositions = [line for line in lines if line[:20].lower() == b"content-disposition:"]
        if first.strip(b" \t"):  # RFC 2046 allows only spaces there
            self._note(head, "This part's header is written on its boundary line: start it on the next line.")
        elif any(line[:1] in (b" ", b"\t") for line in lines):
            self._note(head, "This part has a header folded onto a second line: write each header on one line.")
        elif any(not re.match(_TOKEN_CHAR, line) for line in lines):  # Django strips a form feed, a CR, a NBSP...
            self._note(head, "This part has a header line that does not start with its name: start it there.")
        elif any(re.match(rb"[^:]*[ \t]:", line) for line in lines):  # RFC 9112 § 5.1
            self._note(head, "This part has a header with a space before its colon.")
        elif len(dispositions) > 1:
            self._note(head, "This part gives its Content-Disposition header twice.")
        elif not dispositions:
            self._note(head, "This part has no Content-Disposition header.")
        else:
            try:
                disposition = dispositions[0].decode()
                # Looked at first: Django cannot read some (a TypeError of email.utils, a 500).
                twice = _given_twice(disposition)
                params = {} if twice else parse_header_parameters(disposition)[1]  # as Django reads it
            except ValueError as exc:  # UnicodeDecodeError included
                self._note(
                    head, f"This part's Content-Disposition header cannot be read ({exc}): send the file name in UTF-8."
                )
                return
            if twice:
                self._note(head, f"This part's Content-Disposition header gives its {twice[:40]} twice.")
            elif not params.get("name", "").strip():
                self._note(head, "This part's Content-Disposition header gives no name.")
            elif (
                "filename" in params
                and params["filename"]
                and not DjangoMultiPartParser.sanitize_file_name(cast(Any, None), params["filename"])
            ):
                self._note(head, "This part's file name is empty once its folders are left out.")
            elif params.get("filename"):  # a file, as Django tells one
                self._open_file = head

    def _note(self, head: bytes, why: str) -> None:
        name = re.search(rb'[; ]name="?([^";\r\n]*)', head)
        self.unread[name[1].decode(errors="replace").strip() if name else "body"] = why


class StrictMultiPartParser(MultiPartParser):
    """DRF's multipart parser, but a part whose headers Django cannot use, or others may read otherwise,
    is a 400 naming it, not left out: a small optional file so dropped (the generation's image) made
    the request as if it had not been sent, and the image the person meant was never checked; a
    bigger one failed as "Request max total header size exceeded" (Django read on into the file for
    the next headers). What browsers, curl and the mobile clients' libraries send is read as before."""

    def parse(self, stream, media_type=None, parser_context=None):  # type: ignore[no-untyped-def]
        try:
            boundary = parse_header_parameters(media_type or "")[1].get("boundary", "")
        except ValueError:
            boundary = ""
        if stream is None or not boundary:  # Django refuses it (no boundary) or reads nothing
            return super().parse(stream, media_type, parser_context)
        watched = _PartHeaders(stream, boundary.encode("ascii", errors="replace"))
        try:
            parsed = super().parse(cast(IO[bytes], watched), media_type, parser_context)
        except (ParseError, TypeError):  # TypeError: a header Django cannot read (_given_twice), noted
            if not watched.unread:
                raise
        if watched.unread:
            raise ValidationError({name: [why] for name, why in watched.unread.items()})
        return parsed
