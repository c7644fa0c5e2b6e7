"""The industrial IoT sensor platform as a cdktf app."""
