package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/api/apitest"
	"github.com/bistro-dev/bistro/internal/client"
	"github.com/bistro-dev/bistro/internal/store"
)

// failingLater is a backend whose audit log fails after its first page.
type failingLater struct{ *apitest.Backend }

func (b failingLater) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	if f.After > 0 {
		return nil, errors.New("the database went away")
	}
	return b.Backend.ListAudit(ctx, f)
}

// TestExportCutOffIsAnError checks that an export the server cannot
// finish is an error for the client, never a shorter log.
func TestExportCutOffIsAnError(t *testing.T) {
	t.Parallel()
	b := apitest.NewBackend()
	for range 600 { // more than a page
		b.AddAuditEvent(store.AuditEvent{Workspace: store.DefaultWorkspace, Action: "flow.apply"})
	}
	srv := httptest.NewServer(api.New(api.Config{Backend: failingLater{b}, Auth: apitest.NewPeople(t, nil).Auth,
		Registry: prometheus.NewRegistry(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	var out bytes.Buffer
	err := client.New(srv.URL, apitest.Token).ExportAudit(context.Background(), client.AuditQuery{}, &out)
	if err == nil || !strings.Contains(err.Error(), "the export was cut off") {
		t.Errorf("ExportAudit = %v after %d lines; want the export cut off", err, strings.Count(out.String(), "\n"))
	}

	// The whole log when nothing fails.
	out.Reset()
	ok := apitest.NewServer(t, nil)
	for range 3 {
		ok.Backend.AddAuditEvent(store.AuditEvent{Workspace: store.DefaultWorkspace, Action: "flow.apply"})
	}
	if err := client.New(ok.URL, apitest.Token).ExportAudit(context.Background(), client.AuditQuery{After: 1}, &out); err != nil ||
		strings.Count(out.String(), "\n") != 2 {
		t.Errorf("ExportAudit after 1 = %v: %s", err, out.String())
	}
}
