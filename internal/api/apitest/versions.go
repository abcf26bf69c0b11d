package apitest

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/store"
)

// AddFlowVersion gives the flow called name an older version (below its
// current one). The double's flows keep only their latest version, which
// the version operations show as the current one.
func (b *Backend) AddFlowVersion(name string, v api.StoredVersion) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.Flows[name]
	v.FlowID, v.Current = f.ID, false
	if v.Hash == "" {
		v.Hash = sha256Hex(v.Document)
	}
	if b.versions == nil {
		b.versions = map[string][]api.StoredVersion{}
	}
	b.versions[f.ID] = append(b.versions[f.ID], v)
}

// ListFlowVersions lists the versions added with AddFlowVersion and the
// flow's current one, newest first. A flow of another workspace is not
// found.
func (b *Backend) ListFlowVersions(_ context.Context, ws, name string) ([]api.StoredVersion, error) {
	if err := b.fail("ListFlowVersions"); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.versionsOf(ws, name)
}

// GetFlowVersion returns one version as ListFlowVersions lists it.
func (b *Backend) GetFlowVersion(_ context.Context, ws, name string, version int) (api.StoredVersion, error) {
	if err := b.fail("GetFlowVersion"); err != nil {
		return api.StoredVersion{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	vs, err := b.versionsOf(ws, name)
	if err != nil {
		return api.StoredVersion{}, err
	}
	for _, v := range vs {
		if v.Version.Version == version {
			return v, nil
		}
	}
	return api.StoredVersion{}, &api.NoVersionError{Flow: name, Version: version, Latest: vs[0].Version.Version}
}

// versionsOf is the flow's versions, newest first; b.mu is held.
func (b *Backend) versionsOf(ws, name string) ([]api.StoredVersion, error) {
	f, ok := b.Flows[name]
	if !ok || f.Workspace != ws {
		return nil, store.ErrNotFound
	}
	out := []api.StoredVersion{{Version: store.Version{FlowID: f.ID, Version: f.Version, Document: f.Document,
		Format: f.Format, Hash: sha256Hex(f.Document), CreatedAt: f.UpdatedAt}, Trigger: f.Trigger, Current: true}}
	for _, v := range b.versions[f.ID] {
		if v.Version.Version < f.Version {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(x, y api.StoredVersion) int { return cmp.Compare(y.Version.Version, x.Version.Version) })
	return out, nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
