"""The business numbers we serve: the bot's number and advisors' numbers linked by Embedded
Sign-Up (onboarding, tokens sealed at rest, unlinking)."""
