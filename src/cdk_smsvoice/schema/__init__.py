"""The JSON Schema of the custom resource properties, and the synth-time validator."""

from .document import SCHEMA_PATH, load_schema
from .synth_validator import PropertyError, validate_properties

__all__ = ["SCHEMA_PATH", "PropertyError", "load_schema", "validate_properties"]
