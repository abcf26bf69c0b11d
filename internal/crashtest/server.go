package crashtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// readyWithin bounds how long a start may take before it counts as failed.
const readyWithin = 30 * time.Second

// Build compiles ./cmd/bistro of the module the current directory belongs
// to into dir and returns the binary's path.
func Build(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the bistro module")
	}
	bin := filepath.Join(dir, "bistro")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/bistro")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building bistro: %w\n%s", err, out)
	}
	return bin, nil
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago. The same address is reused across restarts, so callers keep one URL.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Server is one bistro serve process at a time on a fixed data directory
// and address. Its output is appended to Data/server.log, across restarts.
type Server struct {
	Bin  string   // the bistro binary
	Data string   // the data directory, kept across restarts
	Addr string   // host:port to listen on
	Args []string // extra serve flags
	Env  []string // extra environment, NAME=value

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when the current process has exited
	starts int
}

// URL is the server's base URL.
func (s *Server) URL() string { return "http://" + s.Addr }

// LogPath is where the server's output goes.
func (s *Server) LogPath() string { return filepath.Join(s.Data, "server.log") }

// Start execs the server and returns once /readyz answers 200, or with an
// error (including the log's tail) when it exits or does not get ready.
func (s *Server) Start(ctx context.Context) error {
	if err := os.MkdirAll(s.Data, 0o700); err != nil {
		return err
	}
	logf, err := os.OpenFile(s.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := append([]string{"serve", "--data", s.Data, "--listen", s.Addr}, s.Args...)
	cmd := exec.Command(s.Bin, args...)
	cmd.Env = append(os.Environ(), s.Env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting bistro: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.starts++
	s.mu.Unlock()
	if err := s.awaitReady(ctx, exited); err != nil {
		s.Kill()
		return fmt.Errorf("%w\n--- server log (tail) ---\n%s", err, s.logTail(4000))
	}
	return nil
}

// awaitReady polls /readyz until it answers 200.
func (s *Server) awaitReady(ctx context.Context, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, readyWithin)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	hc := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/readyz", nil)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("bistro exited before it was ready")
		case <-ctx.Done():
			return fmt.Errorf("bistro was not ready within %s", readyWithin)
		case <-tick.C:
		}
	}
}

// Kill ends the current process with SIGKILL — no shutdown code runs — and
// waits until it is gone.
func (s *Server) Kill() { s.signal(syscall.SIGKILL) }

// Stop asks the current process to shut down (SIGTERM) and waits for it.
func (s *Server) Stop() { s.signal(syscall.SIGTERM) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	<-exited
}

// Starts is how many times the server was started.
func (s *Server) Starts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starts
}

// Token reads the admin API token written on first start.
func (s *Server) Token() (string, error) {
	b, err := os.ReadFile(filepath.Join(s.Data, "admin-token"))
	if err != nil {
		return "", fmt.Errorf("reading the admin token: %w", err)
	}
	return string(bytes.TrimSpace(b)), nil
}

func (s *Server) logTail(n int) string {
	b, _ := os.ReadFile(s.LogPath())
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
