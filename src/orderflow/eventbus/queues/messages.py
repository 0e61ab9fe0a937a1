"""Message bodies and message attributes: SQS's checks, and the MD5 digests SDKs verify."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import struct
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from orderflow.eventbus.queues.errors import (
    InvalidMessageContents,
    InvalidParameterValue,
    MissingParameter,
)

MAX_MESSAGE_ATTRIBUTES: Final = 10
MAX_NUMBER_DIGITS: Final = 38
MIN_NUMBER: Final = Decimal("1e-128")
MAX_NUMBER: Final = Decimal("1e126")
_INVALID_CHARACTERS = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTRIBUTE_NAME = re.compile(r"^(?!\.)(?!.*\.\.)(?!.*\.$)[\w.-]{1,256}$")
"""Alphanumeric characters (Unicode letters and digits too), ``_``, ``-`` and ``.``, not at
either end nor two in a row, 1 to 256 characters."""
_DATA_TYPE = re.compile(r"^(String|Number|Binary)(\.[A-Za-z0-9_.-]{1,246})?$")

MessageAttributes = dict[str, dict[str, str]]
"""As SQS's JSON protocol carries them: name -> {DataType, StringValue | BinaryValue (base64)}."""


def check_body(body: str | None, maximum_size: int, attributes_size: int = 0) -> str:
    """The body, if SQS would accept it."""
    if body is None or body == "":
        raise MissingParameter("The request must contain the parameter MessageBody.")
    match = _INVALID_CHARACTERS.search(body)
    if match is not None:
        raise InvalidMessageContents(
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to "
            "#xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        )
    size = len(body.encode("utf-8")) + attributes_size
    if size > maximum_size:
        raise InvalidParameterValue(
            "One or more parameters are invalid. Reason: Message must be shorter than "
            f"{maximum_size} bytes."
        )
    return body


def check_attributes(attributes: Mapping[str, Any] | None) -> tuple[MessageAttributes, int]:
    """Message attributes as SQS accepts them, and their size in bytes (counted against the
    message size limit)."""
    if not attributes:
        return {}, 0
    if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
        raise InvalidParameterValue(
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum "
            f"[{MAX_MESSAGE_ATTRIBUTES}]."
        )
    checked: MessageAttributes = {}
    size = 0
    for name, value in attributes.items():
        if not _ATTRIBUTE_NAME.match(name) or name.lower().startswith(("aws.", "amazon.")):
            raise InvalidParameterValue(f"Message attribute name '{name}' is invalid.")
        if not isinstance(value, Mapping):
            raise InvalidParameterValue(f"The message attribute '{name}' must be a map.")
        data_type = value.get("DataType")
        if not isinstance(data_type, str) or not _DATA_TYPE.match(data_type):
            raise InvalidParameterValue(
                f"The message attribute '{name}' has an invalid message attribute type, the set "
                "of supported type prefixes is Binary, Number, and String."
            )
        entry = {"DataType": data_type}
        if data_type.startswith("Binary"):
            raw = value.get("BinaryValue")
            if not isinstance(raw, str | bytes) or not raw:
                raise InvalidParameterValue(
                    f"The message attribute '{name}' with type 'Binary' must use field 'Binary'."
                )
            encoded = raw if isinstance(raw, str) else base64.b64encode(raw).decode("ascii")
            entry["BinaryValue"] = encoded
            size += len(_decoded(name, encoded))
        else:
            text = value.get("StringValue")
            if not isinstance(text, str) or text == "":
                raise InvalidParameterValue(
                    f"The message attribute '{name}' must contain non-empty message attribute "
                    "value for message attribute type '" + data_type.split(".")[0] + "'."
                )
            if data_type.startswith("Number"):
                _check_number(name, text)
            if _INVALID_CHARACTERS.search(text):
                raise InvalidMessageContents(
                    f"Invalid characters found in the message attribute '{name}'."
                )
            entry["StringValue"] = text
            size += len(text.encode("utf-8"))
        size += len(name.encode("utf-8")) + len(data_type.encode("utf-8"))
        checked[name] = entry
    return checked, size


def check_system_attributes(attributes: Mapping[str, Any] | None) -> str | None:
    """SendMessage's MessageSystemAttributes: only ``AWSTraceHeader``, a String; its value."""
    if not attributes:
        return None
    for name, value in attributes.items():
        if name != "AWSTraceHeader":
            raise InvalidParameterValue(f"Message system attribute name '{name}' is invalid.")
        text = value.get("StringValue") if isinstance(value, Mapping) else None
        if not isinstance(value, Mapping) or value.get("DataType") != "String" or not text:
            raise InvalidParameterValue(
                "The message system attribute 'AWSTraceHeader' must be a non-empty value of "
                "type 'String'."
            )
        if _INVALID_CHARACTERS.search(str(text)):
            raise InvalidMessageContents(
                "Invalid characters found in the message system attribute 'AWSTraceHeader'."
            )
        return str(text)
    return None


def system_attributes_md5(trace_header: str | None) -> str | None:
    """MD5OfMessageSystemAttributes: the message attributes' digest over AWSTraceHeader."""
    if trace_header is None:
        return None
    return attributes_md5({"AWSTraceHeader": {"DataType": "String", "StringValue": trace_header}})


def _decoded(name: str, encoded: str) -> bytes:
    """A Binary attribute's bytes: its value must be base64 (as both protocols carry it)."""
    try:
        return base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidParameterValue(
            f"The message attribute '{name}' with type 'Binary' must hold base64-encoded "
            "binary data."
        ) from None


def _check_number(name: str, text: str) -> None:
    """A Number attribute: "up to 38 digits of precision, and ... between 10^-128 and
    10^+126" (SQS's message metadata guide); anything else cannot be cast."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or (
        number != 0
        and (
            _significant_digits(number) > MAX_NUMBER_DIGITS
            or not MIN_NUMBER <= abs(number) <= MAX_NUMBER
        )
    ):
        raise InvalidParameterValue(
            f"Can't cast the value of message (user) attribute '{name}' to a number."
        )


def _significant_digits(number: Decimal) -> int:
    """The digits of ``number`` without leading or trailing zeros (exact, no rounding)."""
    return len("".join(str(digit) for digit in number.as_tuple().digits).strip("0"))


def body_md5(body: str) -> str:
    """MD5OfMessageBody."""
    return hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest()


def attributes_md5(attributes: MessageAttributes) -> str | None:
    """MD5OfMessageAttributes, computed as SQS (and the SDKs that check it) compute it."""
    if not attributes:
        return None
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value["DataType"]
        for part in (name.encode("utf-8"), data_type.encode("utf-8")):
            digest.update(struct.pack("!I", len(part)) + part)
        if "BinaryValue" in value:
            payload = base64.b64decode(value["BinaryValue"])
            digest.update(b"\x02" + struct.pack("!I", len(payload)) + payload)
        else:
            payload = value["StringValue"].encode("utf-8")
            digest.update(b"\x01" + struct.pack("!I", len(payload)) + payload)
    return digest.hexdigest()


def encode_attributes(attributes: MessageAttributes) -> str:
    """Message attributes as stored: compact JSON, "" for none."""
    return json.dumps(attributes, separators=(",", ":")) if attributes else ""


def decode_attributes(text: str) -> MessageAttributes:
    if not text:
        return {}
    decoded: MessageAttributes = json.loads(text)
    return decoded
