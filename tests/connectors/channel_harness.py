"""Serves the real `whatsapp` channel in a Sanic app without a trained model.

Each message Rasa would get is appended to $HARNESS_RECORD (JSON lines) and answered with
"eco: <text>" through the channel's own output channel, so tests see both directions.
A text containing "acción caída" fails its first attempt after answering, the way Rasa
reports an action server that died mid-turn (an error logged by its processor).
Run with the Rasa virtualenv: python tests/connectors/channel_harness.py PORT
"""

import json
import logging
import os
import sys

from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from connectors.whatsapp import WhatsAppCloudInput


def main(port: int) -> None:
    record_path = os.environ["HARNESS_RECORD"]
    app = Sanic("channel_harness")
    channel = WhatsAppCloudInput.from_credentials(None)

    async def on_new_message(message: UserMessage) -> None:
        with open(record_path, "a", encoding="utf-8") as record:
            record.write(
                json.dumps(
                    {
                        "text": message.text,
                        "sender_id": message.sender_id,
                        "message_id": message.message_id,
                        "metadata": message.metadata,
                    }
                )
                + "\n"
            )
        await message.output_channel.send_text_message(message.sender_id, f"eco: {message.text}")
        marker = f"{record_path}.{message.message_id}.failed"
        if "acción caída" in (message.text or "") and not os.path.exists(marker):
            open(marker, "w").close()
            logging.getLogger("rasa.core.processor").error(
                "Encountered an exception while running action 'action_open_case'."
            )

    # The same URL Rasa gives the channel: /webhooks/<name>/...
    app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")

    @app.get("/ready")
    async def ready(_request):  # type: ignore[no-untyped-def]
        from sanic import response

        return response.json({"ready": True})

    app.run(host="127.0.0.1", port=port, access_log=False, workers=1)


if __name__ == "__main__":
    main(int(sys.argv[1]))
