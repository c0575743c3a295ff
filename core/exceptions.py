"""Base exceptions: a refused action carries a message a person can read."""


class ActionError(Exception):
    """A service refused to act. `message` is safe to show to the person."""

    default_message = "That could not be done."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class NotAllowed(ActionError):
    default_message = "You are not allowed to do that."


class Invalid(ActionError):
    default_message = "That input is not valid."
