"""The arguments of each verb (OAI-PMH 2.0, section 4): one schema per verb, and the parsing of their values.

`parse(pairs)` turns a request's arguments into a frozen `Arguments`, or raises badVerb or badArgument: a verb
missing, unknown or repeated; an argument repeated, unknown to the verb, missing, empty or malformed; a
resumptionToken given with anything but the verb; `from` and `until` of different granularities or in the wrong
order. The values a resumption token carries are checked by the same functions (tokens.py), as
badResumptionToken.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import BadArgument, BadVerb

# The protocol's own patterns (OAI-PMH.xsd: metadataPrefixType, setSpecType).
PREFIX_PATTERN = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
SET_SPEC_PATTERN = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"  # what Identify declares; YYYY-MM-DD is accepted too, as it must be


@dataclass(frozen=True)
class VerbSchema:
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    exclusive: str | None = None  # an argument that comes alone (resumptionToken)

    def allowed(self) -> set[str]:
        return {*self.required, *self.optional, *([self.exclusive] if self.exclusive else [])}


LIST_SCHEMA = VerbSchema(
    required=("metadataPrefix",), optional=("from", "until", "set"), exclusive="resumptionToken"
)
SCHEMAS: dict[str, VerbSchema] = {
    "Identify": VerbSchema(),
    "ListMetadataFormats": VerbSchema(optional=("identifier",)),
    "ListSets": VerbSchema(exclusive="resumptionToken"),
    "GetRecord": VerbSchema(required=("identifier", "metadataPrefix")),
    "ListIdentifiers": LIST_SCHEMA,
    "ListRecords": LIST_SCHEMA,
}


@dataclass(frozen=True)
class Bound:
    """A `from` or `until` value: as given, and as an instant."""

    text: str
    value: dt.datetime  # the first instant the value names
    end: dt.datetime  # the first instant after it (YYYY-MM-DD names a whole day)
    day: bool


@dataclass(frozen=True)
class Arguments:
    verb: str
    given: tuple[tuple[str, str], ...]  # the arguments as given (for the response's <request> element)
    identifier: str | None = None
    metadata_prefix: str | None = None
    from_: Bound | None = None
    until: Bound | None = None
    set_spec: str | None = None
    resumption_token: str | None = None

    def required(self, name: str) -> str:
        """An argument the verb's schema requires (parse() has made sure it is there)."""
        value = dict(self.given).get(name)
        if value is None:
            raise BadArgument(f"{self.verb} needs the argument {name!r}")
        return value


def parse(pairs: Iterable[tuple[str, list[str]]]) -> Arguments:
    """A request's arguments (name, [values]), as Django's QueryDict.lists() gives them."""
    args = {name: values for name, values in pairs}
    verbs = args.pop("verb", [])
    if not verbs:
        raise BadVerb("the verb argument is missing")
    if len(verbs) > 1:
        raise BadVerb("the verb argument is repeated")
    verb = verbs[0]
    schema = SCHEMAS.get(verb)
    if schema is None:
        raise BadVerb(f"{verb!r} is not an OAI-PMH verb; use one of {', '.join(SCHEMAS)}")
    for name, values in args.items():
        if name not in schema.allowed():
            raise BadArgument(f"{verb} takes no argument {name!r}" + _takes(schema))
        if len(values) > 1:
            raise BadArgument(f"the argument {name!r} is repeated")
        if not values[0]:
            raise BadArgument(f"the argument {name!r} is empty")
    given = {name: values[0] for name, values in args.items()}
    if schema.exclusive and schema.exclusive in given:
        if len(given) > 1:
            raise BadArgument(f"{schema.exclusive} is an exclusive argument: give it with the verb alone")
        return Arguments(verb, tuple(given.items()), resumption_token=given[schema.exclusive])
    missing = [name for name in schema.required if name not in given]
    if missing:
        raise BadArgument(f"{verb} needs the argument {missing[0]!r}" + _takes(schema))
    prefix = given.get("metadataPrefix")
    set_spec = given.get("set")
    identifier = given.get("identifier")
    try:
        if prefix is not None:
            metadata_prefix(prefix)
        if set_spec is not None:
            set_spec_value(set_spec)
        from_, until = bounds(given.get("from"), given.get("until"))
    except ValueError as e:
        raise BadArgument(str(e)) from None
    return Arguments(
        verb,
        tuple(given.items()),
        identifier=identifier,
        metadata_prefix=prefix,
        from_=from_,
        until=until,
        set_spec=set_spec,
    )


def _takes(schema: VerbSchema) -> str:
    names = [*schema.required, *schema.optional, *([schema.exclusive] if schema.exclusive else [])]
    return f" (it takes {', '.join(names)})" if names else " (it takes none)"


def metadata_prefix(value: str) -> str:
    if not PREFIX_PATTERN.fullmatch(value):
        raise ValueError(f"{value!r} is not a metadata prefix (letters, digits and -_.!~*'())")
    return value


def set_spec_value(value: str) -> str:
    if not SET_SPEC_PATTERN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a setSpec (letters, digits and -_.!~*'(), parts separated by ':')"
        )
    return value


def bound(text: str, name: str) -> Bound:
    """A datestamp argument: YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC)."""
    if DAY.fullmatch(text):
        pattern, step, day = "%Y-%m-%d", dt.timedelta(days=1), True
    elif SECOND.fullmatch(text):
        pattern, step, day = "%Y-%m-%dT%H:%M:%SZ", dt.timedelta(seconds=1), False
    else:
        raise ValueError(f"{name}={text!r} is not a datestamp: use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC)")
    try:
        value = dt.datetime.strptime(text, pattern).replace(tzinfo=dt.UTC)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a date that exists") from None
    try:
        end = value + step
    except OverflowError:  # the last day (or second) of 9999
        end = dt.datetime.max.replace(tzinfo=dt.UTC)
    return Bound(text, value, end, day=day)


def bounds(from_text: str | None, until_text: str | None) -> tuple[Bound | None, Bound | None]:
    from_ = bound(from_text, "from") if from_text is not None else None
    until = bound(until_text, "until") if until_text is not None else None
    if from_ and until:
        if from_.day != until.day:
            raise ValueError(
                "from and until must have the same granularity (both YYYY-MM-DD, or both "
                "YYYY-MM-DDThh:mm:ssZ)"
            )
        if from_.value > until.value:
            raise ValueError(f"from={from_.text} is later than until={until.text}")
    return from_, until


def datestamp(value: dt.datetime) -> str:
    """A datestamp at the granularity Identify declares (seconds, UTC)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
