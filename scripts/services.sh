#!/usr/bin/env bash
# Starts the local services the integration tests use, when they are down.
# Under CI=true a service that cannot be started is a failure.
set -uo pipefail

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_up() {
	local port=$1
	for _ in $(seq 1 60); do
		up "$port" && return 0
		sleep 1
	done
	return 1
}

start() {
	local name=$1 port=$2
	shift 2
	if up "$port"; then
		echo "services: $name is up on $port"
		return 0
	fi
	echo "services: starting $name"
	"$@" >/dev/null 2>&1 || true
	if wait_up "$port"; then
		echo "services: $name is up on $port"
	elif [ "${CI:-}" = "true" ]; then
		echo "services: $name did not start on port $port" >&2
		exit 1
	else
		echo "services: WARNING $name is not running on port $port; its tests will skip" >&2
	fi
}

have() { command -v "$1" >/dev/null 2>&1; }

have pg_ctlcluster && start PostgreSQL 5432 pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
have mariadbd && start MariaDB 3306 start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
have redis-server && start Redis 6379 redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
have rabbitmq-server && start RabbitMQ 5672 rabbitmq-server -detached
have mosquitto && start Mosquitto 1883 mosquitto -d -c /etc/mosquitto/mosquitto.conf
have nats-server && start NATS 4222 start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
exit 0
