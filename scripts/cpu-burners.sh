# Sourced by the stress scripts: two processes that each burn a CPU until the script exits, so
# that a test whose outcome depends on which of two events comes first shows it.
burners=()
for _ in 1 2; do
  (while :; do :; done) &
  burners+=($!)
done
trap 'kill "${burners[@]}" 2>/dev/null' EXIT
