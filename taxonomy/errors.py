"""The one error the taxonomy loader raises (its own module, so the cross-reference checks can raise it)."""


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message names the file and the field."""
