"""The protocol's errors: one class per OAI-PMH error code (OAI-PMH 2.0, section 3.6).

A builder raises one; the repository answers it as an `<error code="...">` with the message, in an HTTP 200
response as the protocol wants. For badVerb and badArgument the `<request>` element carries no arguments (the
protocol says so: they were not understood).
"""

from __future__ import annotations


class OAIError(Exception):
    code = ""
    echo_arguments = True  # may the response's <request> element repeat the request's arguments?

    def __init__(self, message: str):
        self.message = message
        super().__init__(f"{self.code}: {message}")


class BadVerb(OAIError):
    code = "badVerb"
    echo_arguments = False


class BadArgument(OAIError):
    code = "badArgument"
    echo_arguments = False


class BadResumptionToken(OAIError):
    code = "badResumptionToken"


class CannotDisseminateFormat(OAIError):
    code = "cannotDisseminateFormat"


class IdDoesNotExist(OAIError):
    code = "idDoesNotExist"


class NoRecordsMatch(OAIError):
    code = "noRecordsMatch"


class NoMetadataFormats(OAIError):
    code = "noMetadataFormats"


class NoSetHierarchy(OAIError):
    code = "noSetHierarchy"


ERRORS = (
    BadVerb,
    BadArgument,
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
    NoMetadataFormats,
    NoSetHierarchy,
)
