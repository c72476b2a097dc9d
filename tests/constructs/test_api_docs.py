"""The API reference (``make docs``, pdoc) is generated from docstrings: every public class,
method and property of the construct API has one, and pdoc sees the real signatures."""

import pytest

pdoc_doc = pytest.importorskip("pdoc.doc")

import cdk_smsvoice  # noqa: E402

PUBLIC_CLASSES = [
    "ConfigurationSet",
    "VoiceConfigurationSet",
    "EventDestination",
    "EventDestinationOptions",
    "ImportedConfigurationSet",
    "ImportedVoiceConfigurationSet",
]


@pytest.fixture(scope="module")
def module() -> "pdoc_doc.Module":
    """The package as the API reference sees it (docs/build_api_docs.py resolves the lazy
    exports the same way)."""
    for name in cdk_smsvoice.__all__:
        getattr(cdk_smsvoice, name)
    return pdoc_doc.Module(cdk_smsvoice)


@pytest.mark.parametrize("name", PUBLIC_CLASSES)
def test_every_public_member_has_a_docstring(module: "pdoc_doc.Module", name: str) -> None:
    cls = module.get(name)
    assert isinstance(cls, pdoc_doc.Class), name
    assert cls.docstring.strip()
    own = [
        member
        for member in cls.own_members
        if not member.name.startswith("_")
        and member.name not in {"RESOURCE_TYPE", "DEFAULT_EVENTS"}
    ]
    missing = [m.name for m in own if not m.docstring.strip()]
    assert missing == [], f"{name}: {missing}"


def test_pdoc_shows_the_constructor_parameters(module: "pdoc_doc.Module") -> None:
    for name in ("ConfigurationSet", "VoiceConfigurationSet"):
        init = module.get(f"{name}.__init__")
        assert isinstance(init, pdoc_doc.Function)
        shown = str(init.signature)
        assert "scope" in shown and "id: str" in shown and "configuration_set_name" in shown
        assert "*args" not in shown
    grants = module.get("ConfigurationSet.grant_send")
    assert grants is not None and "origination identity" in grants.docstring
