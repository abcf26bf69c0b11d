package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

func addGuardTests(tests map[string]func(t *testing.T, s store.Store)) {
	tests["SettingPut"] = testSettingPut
	tests["ConnectorRequests"] = testConnectorRequests
	tests["Notifications"] = testNotifications
	tests["FlowRunStats"] = testFlowRunStats
	tests["SetFlowOwner"] = testSetFlowOwner
	tests["Reviews"] = testReviews
}

func testSettingPut(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, v := range []string{"one", "two"} {
		if err := s.PutSetting(ctx, "catalogue", []byte(v)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Setting(ctx, "catalogue"); err != nil || string(got) != v {
			t.Errorf("after PutSetting(%s): %q, %v", v, got, err)
		}
	}
	if got, err := s.InitSetting(ctx, "catalogue", []byte("three")); err != nil || string(got) != "two" {
		t.Errorf("InitSetting after PutSetting: %q, %v; want two", got, err)
	}
}

func testConnectorRequests(t *testing.T, s store.Store) {
	ctx := t.Context()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i, r := range []store.ConnectorRequest{
		{ID: "r1", Workspace: "sales", Connector: "slack", Reason: "post won deals", RequestedBy: "u1", CreatedAt: t0},
		{ID: "r2", Workspace: "hr", Connector: "email", Reason: "welcome mails", RequestedBy: "u2", CreatedAt: t0.Add(time.Minute)},
		{ID: "r3", Workspace: "sales", Connector: "mysql", RequestedBy: "u1", CreatedAt: t0.Add(2 * time.Minute)},
	} {
		if err := s.CreateConnectorRequest(ctx, r); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if err := s.CreateConnectorRequest(ctx, store.ConnectorRequest{ID: "r1", Workspace: "x", Connector: "y"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a taken id: %v; want ErrConflict", err)
	}
	ids := func(rs []store.ConnectorRequest) (out []string) {
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	all, err := s.ListConnectorRequests(ctx, "")
	if err != nil || len(all) != 3 || all[0].ID != "r3" || all[2].ID != "r1" {
		t.Errorf("all requests: %v, %v; want r3, r2, r1", ids(all), err)
	}
	sales, err := s.ListConnectorRequests(ctx, "sales")
	if err != nil || len(sales) != 2 || sales[0].ID != "r3" || sales[1].ID != "r1" {
		t.Errorf("sales requests: %v, %v; want r3, r1", ids(sales), err)
	}
	got, err := s.GetConnectorRequest(ctx, "r1")
	if err != nil || got.Status != store.RequestPending || got.Reason != "post won deals" || !got.CreatedAt.Equal(t0) || !got.AnsweredAt.IsZero() {
		t.Errorf("r1: %+v, %v", got, err)
	}
	at := t0.Add(time.Hour)
	ans, err := s.AnswerConnectorRequest(ctx, "r1", store.RequestApproved, "go ahead", "admin", at)
	if err != nil || ans.Status != store.RequestApproved || ans.Answer != "go ahead" || ans.AnsweredBy != "admin" || !ans.AnsweredAt.Equal(at) {
		t.Errorf("answered: %+v, %v", ans, err)
	}
	again, err := s.AnswerConnectorRequest(ctx, "r1", store.RequestDeclined, "no", "admin2", at.Add(time.Hour))
	if !errors.Is(err, store.ErrConflict) || again.Status != store.RequestApproved || again.Answer != "go ahead" {
		t.Errorf("a second answer: %+v, %v; want ErrConflict and the first answer kept", again, err)
	}
	if _, err := s.AnswerConnectorRequest(ctx, "nope", store.RequestApproved, "", "admin", at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("answering a missing request: %v; want ErrNotFound", err)
	}
	if _, err := s.GetConnectorRequest(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing request: %v; want ErrNotFound", err)
	}
}

func testNotifications(t *testing.T, s store.Store) {
	ctx := t.Context()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := s.AddNotifications(ctx, nil); err != nil {
		t.Errorf("no notifications: %v", err)
	}
	err := s.AddNotifications(ctx, []store.Notification{
		{ID: "n1", UserID: "u1", Workspace: "sales", Kind: "connector_request", Message: "Slack was approved", Link: "/connectors", CreatedAt: t0},
		{ID: "n2", UserID: "u1", Kind: "flow_suspended", Message: "Your flow was paused", CreatedAt: t0.Add(time.Minute)},
		{ID: "n3", UserID: "u2", Kind: "flow_suspended", Message: "Another's", CreatedAt: t0},
	})
	if err != nil {
		t.Fatal(err)
	}
	// One bad notification stores none of its batch.
	if err := s.AddNotifications(ctx, []store.Notification{{ID: "n4", UserID: "u1", Kind: "k", Message: "m"}, {ID: "n1", UserID: "u1", Kind: "k", Message: "m"}}); err == nil {
		t.Error("a batch with a taken id was stored")
	}
	list, err := s.ListNotifications(ctx, "u1", 10)
	if err != nil || len(list) != 2 || list[0].ID != "n2" || list[1].ID != "n1" {
		t.Fatalf("u1's notifications: %+v, %v; want n2, n1", list, err)
	}
	if n := list[1]; n.Workspace != "sales" || n.Link != "/connectors" || n.Message != "Slack was approved" || !n.CreatedAt.Equal(t0) || !n.ReadAt.IsZero() {
		t.Errorf("n1 as stored: %+v", n)
	}
	if one, _ := s.ListNotifications(ctx, "u1", 1); len(one) != 1 || one[0].ID != "n2" {
		t.Errorf("limit 1: %+v", one)
	}
	at := t0.Add(time.Hour)
	if err := s.MarkNotificationRead(ctx, "u1", "n1", at); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkNotificationRead(ctx, "u1", "n1", at.Add(time.Hour)); err != nil {
		t.Errorf("marking read twice: %v", err)
	}
	list, _ = s.ListNotifications(ctx, "u1", 10)
	if !list[1].ReadAt.Equal(at) {
		t.Errorf("n1 read at %v; want the first time, %v", list[1].ReadAt, at)
	}
	if err := s.MarkNotificationRead(ctx, "u1", "n3", at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("marking another's notification: %v; want ErrNotFound", err)
	}
}

func testFlowRunStats(t *testing.T, s store.Store) {
	a, b := putFlow(t, s, "a", "a"), putFlow(t, s, "b", "b")
	base := ms(time.Now().Add(-time.Hour))
	var runs []store.NewRun
	for i, spec := range []struct {
		f      store.Flow
		status store.Status
	}{{a, store.StatusSucceeded}, {a, store.StatusFailed}, {a, store.StatusFailed}, {b, store.StatusSucceeded}, {b, store.StatusSucceeded}} {
		r := finished(t, spec.f, spec.status, base)
		r.CreatedAt = base.Add(time.Duration(i) * time.Minute)
		runs = append(runs, r)
	}
	create(t, s, runs...)
	got, err := s.FlowRunStats(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	if st := got[a.ID]; st.Runs != 3 || st.Failed != 2 || !st.LastRunAt.Equal(base.Add(2*time.Minute)) {
		t.Errorf("a: %+v", st)
	}
	if st := got[b.ID]; st.Runs != 2 || st.Failed != 0 || !st.LastRunAt.Equal(base.Add(4*time.Minute)) {
		t.Errorf("b: %+v", st)
	}
	if n, err := s.CountRunsSince(t.Context(), store.DefaultWorkspace, base.Add(time.Minute)); err != nil || n != 4 {
		t.Errorf("runs since the second: %d, %v; want 4", n, err)
	}
	if n, err := s.CountRunsSince(t.Context(), "other", base); err != nil || n != 0 {
		t.Errorf("another workspace's runs: %d, %v", n, err)
	}
	later, err := s.FlowRunStats(t.Context(), base.Add(3*time.Minute))
	if err != nil || len(later) != 1 || later[b.ID].Runs != 2 {
		t.Errorf("since the fourth run: %+v, %v", later, err)
	}
}

func testSetFlowOwner(t *testing.T, s store.Store) {
	f := putFlow(t, s, "a", "a")
	if err := s.SetFlowOwner(t.Context(), f.ID, "u-new"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetFlowByID(t.Context(), f.ID); err != nil || got.Owner != "u-new" {
		t.Errorf("owner: %q, %v", got.Owner, err)
	}
	if err := s.SetFlowOwner(t.Context(), "nope", "u-new"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing flow: %v", err)
	}
}

func testReviews(t *testing.T, s store.Store) {
	ctx := t.Context()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	doc := []byte("bistro: 1\nname: Shout\n")
	for i, r := range []store.Review{
		{ID: "v1", Workspace: "sales", Flow: "Shout", File: "shout.yaml", Document: doc, BaseVersion: 2, Risk: 65,
			Reasons: "calls 2 web addresses", SubmittedBy: "u1", CreatedAt: t0},
		{ID: "v2", Workspace: "hr", Flow: "Welcome", Document: doc, SubmittedBy: "u2", CreatedAt: t0.Add(time.Minute)},
	} {
		if err := s.CreateReview(ctx, r); err != nil {
			t.Fatalf("review %d: %v", i, err)
		}
	}
	got, err := s.GetReview(ctx, "v1")
	if err != nil || got.Status != store.ReviewSubmitted || string(got.Document) != string(doc) || got.BaseVersion != 2 ||
		got.Risk != 65 || got.Reasons != "calls 2 web addresses" || got.File != "shout.yaml" || !got.CreatedAt.Equal(t0) {
		t.Errorf("v1: %+v, %v", got, err)
	}
	if all, err := s.ListReviews(ctx, "", ""); err != nil || len(all) != 2 || all[0].ID != "v2" {
		t.Errorf("all reviews: %+v, %v", all, err)
	}
	if sales, _ := s.ListReviews(ctx, "sales", store.ReviewSubmitted); len(sales) != 1 || sales[0].ID != "v1" {
		t.Errorf("sales' submitted reviews: %+v", sales)
	}
	at := t0.Add(time.Hour)
	done, err := s.FinishReview(ctx, store.Review{ID: "v1", Status: store.ReviewApproved, Comment: "ok", ReviewedBy: "it", Version: 3, ReviewedAt: at})
	if err != nil || done.Status != store.ReviewApproved || done.Version != 3 || done.ReviewedBy != "it" || !done.ReviewedAt.Equal(at) {
		t.Errorf("approved: %+v, %v", done, err)
	}
	again, err := s.FinishReview(ctx, store.Review{ID: "v1", Status: store.ReviewChangesRequested, ReviewedBy: "it2"})
	if !errors.Is(err, store.ErrConflict) || again.Status != store.ReviewApproved {
		t.Errorf("a second answer: %+v, %v", again, err)
	}
	if sub, _ := s.ListReviews(ctx, "sales", store.ReviewSubmitted); len(sub) != 0 {
		t.Errorf("still submitted: %+v", sub)
	}
	if _, err := s.GetReview(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing review: %v", err)
	}
}
