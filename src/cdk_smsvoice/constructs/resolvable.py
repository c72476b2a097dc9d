"""What every ``IResolvable`` written in Python in this package answers the same way."""

from aws_cdk import ResolutionTypeHint


class PythonResolvable:
    """Mixin for a Python class declared ``@jsii.implements(IResolvable, ...)``: no creation
    stack, no type hint. The class gives ``resolve`` and ``to_string``.
    """

    @property
    def creation_stack(self) -> list[str]:
        return []

    @property
    def type_hint(self) -> ResolutionTypeHint | None:
        return None
