"""Load benchmark of the four real processes (`make bench`): acknowledgement latency, a burst,
conversational load and Rasa's REST channel as the baseline. Not part of `make test`."""
