package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, path string) (*http.Response, map[string]string) {
	t.Helper()
	server := httptest.NewServer(NewHandler("test"))
	defer server.Close()
	resp, err := http.Get(server.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := map[string]string{}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: body is not JSON: %v", path, err)
	}
	return resp, body
}

func TestHealthz(t *testing.T) {
	resp, body := get(t, "/healthz")
	if resp.StatusCode != http.StatusOK || body["status"] != "ok" {
		t.Fatalf("got %d %v", resp.StatusCode, body)
	}
}

func TestGreetDefault(t *testing.T) {
	_, body := get(t, "/greet")
	if body["message"] != "hello, world" || body["version"] != "test" {
		t.Fatalf("got %v", body)
	}
}

func TestGreetByName(t *testing.T) {
	_, body := get(t, "/greet?name=Ada")
	if body["message"] != "hello, Ada" {
		t.Fatalf("got %v", body)
	}
}

func TestGreetRejectsLongName(t *testing.T) {
	resp, _ := get(t, "/greet?name="+strings.Repeat("x", 65))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("got %d", resp.StatusCode)
	}
}

func TestUnknownPathIs404(t *testing.T) {
	resp, body := get(t, "/nope")
	if resp.StatusCode != http.StatusNotFound || body["error"] != "not found" {
		t.Fatalf("got %d %v", resp.StatusCode, body)
	}
}

func TestProbe(t *testing.T) {
	server := httptest.NewServer(NewHandler("test"))
	defer server.Close()
	if err := probe(server.URL + "/healthz"); err != nil {
		t.Fatalf("healthy server: %v", err)
	}
	if err := probe(server.URL + "/nope"); err == nil {
		t.Fatal("a 404 must be unhealthy")
	}
}
