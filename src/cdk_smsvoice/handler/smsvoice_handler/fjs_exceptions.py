"""The exceptions that the generated schema validator raises.

fastjsonschema's generated code imports its exceptions from the ``fastjsonschema`` package,
which the Lambda asset does not carry; the code generator points that import here instead.
"""

from typing import Any


class JsonSchemaException(ValueError):  # noqa: N818  (fastjsonschema's name)
    """Base of the validation errors."""


class JsonSchemaValueException(JsonSchemaException):
    """A value broke a rule of the schema.

    ``name`` is the dotted path of the value (``data.ResourceProperties...``), ``value`` the
    value itself, ``definition`` the schema fragment and ``rule`` the keyword that failed.
    """

    def __init__(
        self,
        message: str,
        value: Any = None,
        name: str | None = None,
        definition: Any = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.value = value
        self.name = name
        self.definition = definition
        self.rule = rule

    @property
    def rule_definition(self) -> Any:
        """The value of the failed keyword in the schema fragment."""
        if not self.rule or not isinstance(self.definition, dict):
            return None
        return self.definition.get(self.rule)


class JsonSchemaValuesException(JsonSchemaException):
    """Several value errors at once (not produced by the options we generate with)."""

    def __init__(self, errors: list[JsonSchemaValueException]) -> None:
        super().__init__("\n".join(e.message for e in errors))
        self.errors = errors


class JsonSchemaDefinitionException(JsonSchemaException):
    """The schema itself is invalid."""
