"""The EventBridge event pattern language: compile, validate and match patterns."""
