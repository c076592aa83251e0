"""What an operator and his load balancer ask a server process: is it up, can it serve, and
its Prometheus metrics."""
