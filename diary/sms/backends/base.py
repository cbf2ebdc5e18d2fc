"""The interface of an SMS backend: send_messages(messages) -> how many were sent."""


class BaseSmsBackend:
    def __init__(self, **kwargs):
        self.options = kwargs

    def send_messages(self, messages) -> int:
        raise NotImplementedError


def as_dict(message) -> dict:
    return {"to": message.to[0], "body": message.body, "sender": message.sender}
