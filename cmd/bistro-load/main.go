// Command bistro-load sends requests to a URL (usually a Bistro webhook)
// from concurrent keep-alive clients and reports requests/s, latency
// percentiles and answers by status.
//
//	bistro-load -url http://127.0.0.1:8080/hooks/abc -c 16 -d 10s -body '{"id": "{{seq}}"}'
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/internal/loadgen"
)

// headerFlags collects repeated -H "Name: value" flags.
type headerFlags map[string]string

func (h headerFlags) String() string { return fmt.Sprint(map[string]string(h)) }

func (h headerFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	if !ok {
		return fmt.Errorf("a header is written \"Name: value\", not %q", v)
	}
	h[strings.TrimSpace(name)] = strings.TrimSpace(value)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bistro-load:", err)
		os.Exit(1)
	}
}

func run() error {
	headers := headerFlags{}
	var cfg loadgen.Config
	asJSON := flag.Bool("json", false, "print the report as JSON")
	flag.StringVar(&cfg.URL, "url", "", "the URL to send to (required)")
	flag.StringVar(&cfg.Method, "method", "POST", "the HTTP method")
	flag.StringVar(&cfg.Body, "body", "", "JSON body; "+loadgen.Seq+" is replaced by the request's number")
	flag.Var(headers, "H", "a header \"Name: value\" (repeatable); "+loadgen.Seq+" is replaced too")
	flag.IntVar(&cfg.Concurrency, "c", 1, "clients sending at once")
	flag.IntVar(&cfg.Requests, "n", 0, "stop after this many requests")
	flag.DurationVar(&cfg.Duration, "d", 0, "stop after this long (default: 1000 requests when -n is not given either)")
	flag.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "time limit of one request")
	flag.Parse()
	cfg.Headers = headers
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return r.Write(os.Stdout)
}
