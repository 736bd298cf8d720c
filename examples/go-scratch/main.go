// Command server is the write-up's Go exercise: an HTTP service shipped on scratch.
//
// `server -healthcheck` is the image's HEALTHCHECK: scratch has no shell and no curl, so the
// binary asks its own health endpoint and exits 0 or 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	healthcheck := flag.Bool("healthcheck", false, "ask the running server's health endpoint and exit 0 (healthy) or 1")
	flag.Parse()
	addr := ":" + envOr("PORT", "8080")
	if *healthcheck {
		if err := probe("http://127.0.0.1" + addr + "/healthz"); err != nil {
			fmt.Fprintln(os.Stderr, "unhealthy:", err)
			os.Exit(1)
		}
		return
	}
	if err := serve(addr); err != nil {
		log.Fatal(err)
	}
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func probe(url string) error {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", url, resp.StatusCode)
	}
	return nil
}

func serve(addr string) error {
	server := &http.Server{Addr: addr, Handler: NewHandler(version), ReadHeaderTimeout: 5 * time.Second}
	// PID 1 in a container: stop cleanly on `docker stop`.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	log.Printf("listening on %s", addr)
	if err := server.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
