"""Read a CSV file, check every row, then apply all of it in one transaction and report what happened.

The file is read twice, as a stream: the first pass parses and checks every row (types, required
values, references to the database and to earlier rows of the file) and writes nothing; only when
no row has an error does the second pass apply the rows, chunk by chunk, inside one transaction.
"""

from __future__ import annotations

import codecs
import csv
import re
import time
from abc import ABC, abstractmethod
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from vafa.core.context import via
from vafa.core.errors import VafaError
from vafa.imports.cells import LIST_SEPARATOR, CellError

CHUNK_SIZE = 1000

T = TypeVar("T")


class ImportAborted(Exception):
    """The file cannot be read at all (encoding, CSV syntax, header); nothing was written."""

    def __init__(self, message: str, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class ApplyFailed(Exception):
    """A service refused a row while the file was being applied; the transaction is rolled back."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors[0].message if errors else "")
        self.errors = errors


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem of one row: the file's line number (the header is line 1), column, cell and message."""

    row: int
    column: str
    value: str
    message: str


@dataclass
class ImportOptions:
    source: str = ""
    dry_run: bool = False
    jalali: bool = False
    delimiter: str = ","
    encoding: str = "utf-8-sig"


@dataclass
class ImportResult:
    """What an import did, or would have done (dry run), and what stopped it."""

    kind: str
    path: Path
    dry_run: bool
    rows: int = 0
    applied: bool = False
    stats: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    report_path: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


# --- rows -----------------------------------------------------------------------------------------


class Row:
    """One data row of the file: its line number, its cells by column name, and the errors found in it."""

    __slots__ = ("cells", "errors", "line")

    def __init__(self, line: int, cells: dict[str, str]) -> None:
        self.line = line
        self.cells = cells
        self.errors: list[RowError] = []

    def raw(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def error(self, column: str, message: str, *, value: str | None = None) -> None:
        self.errors.append(
            RowError(self.line, column, self.raw(column) if value is None else value, str(message))
        )

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str | None:
        """The cell's text, or None when it is empty (an error when `required`)."""
        value = self.raw(column)
        if not value:
            if required:
                self.error(column, _("A value is required."))
            return None
        if max_length is not None and len(value) > max_length:
            self.error(column, _("Write at most %(count)s characters.") % {"count": max_length})
            return None
        return value

    def parse(
        self, column: str, parser: Callable[..., T], *, required: bool = False, **kwargs: Any
    ) -> T | None:
        """The cell read by `parser`, or None when it is empty or cannot be read (the error is noted)."""
        value = self.raw(column)
        if not value:
            if required:
                self.error(column, _("A value is required."))
            return None
        try:
            return parser(value, **kwargs)
        except CellError as exc:
            self.error(column, exc.message)
            return None


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()


class Importer(ABC):
    """One kind of file: its columns, how a row is read and checked, and which services apply it."""

    kind = ""
    columns: tuple[Column, ...] = ()
    # Each group needs at least one of its columns in the header (e.g. customer by id or by e-mail).
    one_of: tuple[tuple[str, ...], ...] = ()

    def __init__(self, options: ImportOptions) -> None:
        self.options = options
        self.source = options.source
        self.dry_run = options.dry_run
        self.stats: dict[str, Counter[str]] = defaultdict(Counter)

    @abstractmethod
    def parse(self, row: Row) -> Any:
        """Read the row's cells into a record; note errors on the row."""

    def check(self, items: list[tuple[Row, Any]]) -> None:
        """Check a chunk of parsed rows against the database and the earlier rows of the file.

        A record may be partial (a cell that could not be read is None): check what is there.
        An optional hook: by default nothing beyond `parse` is checked.
        """
        return None

    @abstractmethod
    def apply(self, items: list[tuple[Row, Any]]) -> None:
        """Write a chunk of rows through the services (or only count them in a dry run)."""

    def finish(self) -> None:
        """Apply whatever is still buffered once the file has been read (an optional hook)."""
        return None

    def count(self, entity: str, outcome: str, number: int = 1) -> None:
        self.stats[entity][outcome] += number

    @contextmanager
    def guard(self, row: Row) -> Iterator[None]:
        """Turn a service's refusal of `row` into an error of that row (which rolls the import back)."""
        try:
            yield
        except VafaError as exc:
            errors = [
                RowError(
                    row.line,
                    name,
                    "",
                    "; ".join(
                        str(m) for m in (messages if isinstance(messages, list | tuple) else [messages])
                    ),
                )
                for name, messages in exc.fields.items()
            ]
            raise ApplyFailed(errors or [RowError(row.line, "", "", str(exc.message))]) from exc
        except ValidationError as exc:
            raise ApplyFailed([RowError(row.line, "", "", "; ".join(exc.messages))]) from exc
        except DatabaseError as exc:
            raise ApplyFailed(
                [RowError(row.line, "", "", _("The database refused the row: %(error)s") % {"error": exc})]
            ) from exc


# --- reading the file -----------------------------------------------------------------------------


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip().lower())


def _read_header(reader: Iterator[list[str]], importer: Importer) -> tuple[list[str | None], list[str]]:
    """Map each position of the header to a known column (None for unknown ones); refuse a bad header."""
    try:
        header = next(reader)
    except StopIteration:
        raise ImportAborted(_("The file is empty.")) from None
    known: dict[str, str] = {}
    for column in importer.columns:
        known[column.name] = column.name
        for alias in column.aliases:
            known[alias] = column.name
    names: list[str | None] = []
    unknown: list[str] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for cell in header:
        name = _normalise_header(cell)
        canonical = known.get(name)
        if canonical is None:
            if name:
                unknown.append(cell.strip())
            names.append(None)
            continue
        if canonical in seen:
            errors.append(RowError(1, canonical, cell.strip(), _("This column appears twice.")))
        seen.add(canonical)
        names.append(canonical)
    missing = [column.name for column in importer.columns if column.required and column.name not in seen]
    for column_name in missing:
        errors.append(RowError(1, column_name, "", _("This column is required but missing.")))
    for group in importer.one_of:
        if not seen.intersection(group):
            missing.append(" / ".join(group))
            errors.append(RowError(1, " / ".join(group), "", _("One of these columns is required.")))
    if errors:
        if missing:
            message = _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)}
        else:
            message = _("The header is not valid: %(problems)s") % {
                "problems": "; ".join(f"{e.column}: {e.message}" for e in errors)
            }
        raise ImportAborted(message, errors)
    warnings = []
    if unknown:
        warnings.append(_("Unknown columns are ignored: %(columns)s.") % {"columns": ", ".join(unknown)})
    return names, warnings


def _iter_rows(reader: Any, names: list[str | None]) -> Iterator[Row]:
    width = len(names)
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        row = Row(reader.line_num, {name: value for name, value in zip(names, cells, strict=False) if name})
        extra = [cell for cell in cells[width:] if cell.strip()]
        if extra:
            row.error(
                "",
                _("The row has more values than the header has columns."),
                value=LIST_SEPARATOR.join(extra),
            )
        yield row


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


def _text_lines(handle: IO[bytes], encoding: str) -> Iterator[str]:
    """Decode the file line by line, so that a decoding error names the line it is on."""
    decoder = codecs.getincrementaldecoder(encoding)()
    pending = ""
    for number, raw in enumerate(handle, start=1):
        try:
            pending += decoder.decode(raw)
        except UnicodeDecodeError as exc:
            raise ImportAborted(
                _(
                    "The file is not %(encoding)s text (line %(line)s); give its encoding with --encoding, "
                    "e.g. windows-1256."
                )
                % {"encoding": encoding, "line": number}
            ) from exc
        # Multi-byte encodings (UTF-16) may split a line across raw lines: yield only whole lines.
        lines = pending.split("\n")
        pending = lines.pop()
        for line in lines:
            yield line + "\n"
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


@contextmanager
def _open_rows(path: Path, importer: Importer) -> Iterator[tuple[Iterator[Row], list[str]]]:
    options = importer.options
    try:
        codecs.lookup(options.encoding)
    except LookupError as exc:
        raise ImportAborted(_("Unknown encoding: %(encoding)s.") % {"encoding": options.encoding}) from exc
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ImportAborted(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
        ) from exc
    with handle:
        reader = csv.reader(_text_lines(handle, options.encoding), delimiter=options.delimiter)
        try:
            names, warnings = _read_header(reader, importer)
            yield _iter_rows(reader, names), warnings
        except csv.Error as exc:
            raise ImportAborted(
                _("The file is not valid CSV near line %(line)s: %(error)s")
                % {"line": reader.line_num, "error": exc}
            ) from exc


def write_report(path: Path, errors: Iterable[RowError]) -> None:
    """Write the errors as CSV (row, column, value, error), with a BOM so spreadsheets read it as UTF-8."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "value", "error"])
        for error in errors:
            writer.writerow([error.row, error.column, error.value, error.message])


class _ProgressStream:
    """Let tqdm write to a Django OutputWrapper without the newline it adds to every write."""

    def __init__(self, out: Any) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, style_func=lambda message: message, ending="")

    def flush(self) -> None:
        self.out.flush()


def _progress(progress: Any, *, total: int, description: str) -> tqdm:
    return tqdm(
        total=total,
        desc=description,
        unit=" rows",
        file=_ProgressStream(progress) if progress is not None else None,
        disable=progress is None,
        leave=False,
        mininterval=0.5,
    )


# --- running an import ----------------------------------------------------------------------------


def run_import(
    importer: Importer,
    path: Path,
    *,
    report_path: Path | None = None,
    progress: IO[str] | Any | None = None,
) -> ImportResult:
    """Check every row of the file, then (unless it is a dry run) apply them all in one transaction.

    Nothing is written when any row has an error; the errors go to the report file instead.
    """
    started = time.monotonic()
    result = ImportResult(kind=importer.kind, path=path, dry_run=importer.dry_run)
    report_path = report_path or path.with_name(path.name + ".report.csv")
    try:
        _check_pass(importer, path, result, progress)
        if not result.errors:
            _apply_pass(importer, path, result, progress)
    except ImportAborted as exc:
        result.errors = exc.errors or [RowError(0, "", "", exc.message)]
        result.seconds = time.monotonic() - started
        result.report_path = report_path
        write_report(report_path, result.errors)
        raise
    # A failed import wrote nothing, so there is nothing to count.
    result.stats = importer.stats if not result.errors else defaultdict(Counter)
    result.seconds = time.monotonic() - started
    if result.errors:
        result.report_path = report_path
        write_report(report_path, result.errors)
    return result


def _check_pass(importer: Importer, path: Path, result: ImportResult, progress: Any) -> None:
    total = max(_count_lines(path) - 1, 0)
    with (
        _open_rows(path, importer) as (rows, warnings),
        _progress(progress, total=total, description=_("Checking")) as bar,
    ):
        result.warnings.extend(warnings)
        for chunk in _chunks(rows, CHUNK_SIZE):
            parsed = [(row, importer.parse(row)) for row in chunk]
            # Rows with unreadable cells are checked too, so that one report lists every problem.
            importer.check(parsed)
            for row in chunk:
                result.errors.extend(row.errors)
            result.rows += len(chunk)
            bar.update(len(chunk))


def _apply_pass(importer: Importer, path: Path, result: ImportResult, progress: Any) -> None:
    # A dry run only reads, so it takes no transaction (and no write lock).
    atomic = nullcontext() if importer.dry_run else transaction.atomic()
    try:
        with (
            via("import"),
            atomic,
            _open_rows(path, importer) as (rows, _warnings),
            _progress(progress, total=result.rows, description=_("Importing")) as bar,
        ):
            for chunk in _chunks(rows, CHUNK_SIZE):
                parsed = [(row, importer.parse(row)) for row in chunk]
                changed = [error for row in chunk for error in row.errors]
                if changed:  # the file changed since it was checked
                    raise ApplyFailed(changed)
                importer.apply(parsed)
                bar.update(len(chunk))
            importer.finish()
        result.applied = not importer.dry_run
    except ApplyFailed as exc:
        result.errors = exc.errors
    except (DatabaseError, VafaError, ValidationError) as exc:
        result.errors = [RowError(0, "", "", _("The import was rolled back: %(error)s") % {"error": exc})]


def summary_lines(result: ImportResult, labels: dict[str, str]) -> list[str]:
    """The end-of-run summary: rows read, what was created, updated or left unchanged, errors, time."""
    lines = [
        _("%(kind)s from %(path)s: %(rows)s rows read in %(seconds).1f s.")
        % {
            "kind": labels.get(result.kind, result.kind),
            "path": result.path,
            "rows": result.rows,
            "seconds": result.seconds,
        }
    ]
    if result.dry_run and result.ok:
        lines.append(_("Dry run: nothing was written. The import would make these changes:"))
    # The file's own kind first, then what was made along the way (organisations, units, …).
    entities = sorted(result.stats, key=lambda entity: entity != result.kind)
    for entity in entities:
        counts = result.stats[entity]
        lines.append(
            _("  %(entity)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged")
            % {
                "entity": labels.get(entity, entity),
                "created": counts["created"],
                "updated": counts["updated"],
                "unchanged": counts["unchanged"],
            }
        )
    if result.errors:
        per_column = Counter(error.column or "-" for error in result.errors)
        rows_with_errors = len({error.row for error in result.errors})
        lines.append(
            _("  errors: %(count)s in %(rows)s rows (%(columns)s)")
            % {
                "count": len(result.errors),
                "rows": rows_with_errors,
                "columns": ", ".join(f"{column}: {count}" for column, count in sorted(per_column.items())),
            }
        )
    else:
        lines.append(_("  errors: 0"))
    return lines
