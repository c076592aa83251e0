"""What the request-wide middlewares (metrics, the request log) read of a response."""

from starlette.types import Message, Send


class StatusOf:
    """A ``send`` that notes the status of the answer passing through it: 500 unless an answer
    starts (the server answers 500 to an exception)."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self.send(message)
