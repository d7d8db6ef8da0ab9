"""The one exception type the converter reports to the user."""


class ConversionError(Exception):
    """A problem with the input (checkpoint, config, tokenizer): printed as one line, exit code 2."""
