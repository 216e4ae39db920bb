"""IoT Supervisor Service."""
