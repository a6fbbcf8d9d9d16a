# The two commands of the README: `make demo` runs Flick with demo content,
# `make test` runs every test (what CI runs).
.PHONY: demo serve test bench build icons

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

# The installable app's icons, rendered from favicon.svg by ffmpeg's librsvg
# decoder and committed (the maskable one keeps the mark inside the central
# 80% circle that launchers may crop to). Run after changing favicon.svg.
ICONS := internal/web/static/icons
icons:
	ffmpeg -v error -y -width 192 -height 192 -i internal/web/static/favicon.svg -frames:v 1 $(ICONS)/icon-192.png
	ffmpeg -v error -y -width 512 -height 512 -i internal/web/static/favicon.svg -frames:v 1 $(ICONS)/icon-512.png
	ffmpeg -v error -y -width 320 -height 320 -i internal/web/static/favicon.svg \
		-filter_complex "color=c=black:s=512x512[bg];[bg][0:v]overlay=96:96:format=auto,format=rgba" -frames:v 1 $(ICONS)/icon-maskable-512.png
