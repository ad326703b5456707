"""What reaches us from WhatsApp: webhook events stored once, the bot's turns, and the
internal API the connector and the bot's output channel call."""
