package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/api/apitest"
	"github.com/bistro-dev/bistro/internal/client"
	"github.com/bistro-dev/bistro/internal/store"
)

func TestFlowVersions(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, nil)
	srv.Backend.AddFlowVersion("leads", api.StoredVersion{Version: store.Version{Version: 1, Document: []byte("name: leads\n"),
		Format: "yaml", By: "tok-ann", CreatedAt: apitest.T0}, Trigger: "manual", ByName: "ann"})
	c := client.New(srv.URL, apitest.Token)
	vs, err := c.ListFlowVersions(context.Background(), "leads")
	if err != nil || len(vs) != 2 || vs[0].Version != 2 || !vs[0].Current || vs[1].CreatedByName != "ann" {
		t.Fatalf("ListFlowVersions = %+v, %v", vs, err)
	}
	v, err := c.GetFlowVersion(context.Background(), "leads", 1)
	if err != nil || v.Document != "name: leads\n" || v.Current {
		t.Errorf("GetFlowVersion(1) = %+v, %v", v, err)
	}
	_, err = c.GetFlowVersion(context.Background(), "leads", 3)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 404 || err.Error() != "the flow 'leads' has no version 3: its versions are 1 to 2" {
		t.Errorf("GetFlowVersion(3) = %v", err)
	}
}
