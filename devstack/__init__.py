"""The project's four processes (platform, rasa, actions, simulator) started on free ports with
their own databases, as `make run` starts them: for the end-to-end tests and the benchmark."""
