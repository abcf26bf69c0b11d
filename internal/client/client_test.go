package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bistro-dev/bistro/internal/api/apitest"
	"github.com/bistro-dev/bistro/internal/client"
)

func TestProblemsBecomeErrorsThatPrintWell(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, nil)
	c := client.New(srv.URL, apitest.Token)
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"not found", func() error { _, err := c.GetFlow(context.Background(), "nope"); return err }, "there is no flow called 'nope'"},
		{"invalid", func() error { _, err := c.ApplyFlow(context.Background(), "x.yaml", []byte("steps: []\n")); return err },
			"the flow has 1 problem, so it was not saved\nname:1:1: the flow has no name\n  hint: add 'name: ...'"},
		{"no token", func() error { _, err := client.New(srv.URL, "").ListFlows(context.Background()); return err }, "you are not signed in: sign in, or send an API token in the header 'Authorization: Bearer <token>'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.call()
			var ce *client.Error
			if !errors.As(err, &ce) || err.Error() != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
