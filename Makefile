# The two commands of the README: `make demo` runs Flick with demo content,
# `make test` runs every test (what CI runs).
.PHONY: demo serve test bench build

demo:
	go run ./cmd/flick demo

serve:
	go run ./cmd/flick serve

build:
	go build -o flick ./cmd/flick

test:
	go vet ./...
	go test -race -count=1 -timeout 20m ./...

bench: build
	./flick bench upload
	./flick bench api
	./flick bench range
	./flick bench flood
