package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func BenchmarkVerifyStandard(b *testing.B) {
	guard := NewMemoryGuard(b.N+1, nil)
	reqs := make([]*Request, b.N)
	for i := range reqs {
		reqs[i] = standardRequest(stdKey, fmt.Sprint("msg_", i), testNow.Unix(), body)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := Verify(ctx, reqs[i], standardCheck, testNow, guard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyStripe(b *testing.B) {
	req := stripeRequest(stripeHeader(stripeKey, testNow.Unix(), body))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(ctx, req, stripeCheck, testNow, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// benchJSON is a JSON object of about 1 KB, shaped like a typical event.
func benchJSON() []byte {
	var sb strings.Builder
	sb.WriteString(`{"id":"evt_1NqF2x","type":"invoice.paid","created":1800000000,"data":{"lines":[`)
	for i := 0; sb.Len() < 950; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"sku":"SKU-%04d","qty":%d,"price":%d.99,"name":"Item %d"}`, i, i+1, 10+i, i)
	}
	sb.WriteString(`]}}`)
	return []byte(sb.String())
}

func BenchmarkRead(b *testing.B) {
	payload := benchJSON()
	r := httptest.NewRequest(http.MethodPost, "/hook?x=1", nil)
	r.Header.Set("Content-Type", "application/json")
	r.ContentLength = int64(len(payload))
	body := bytes.NewReader(payload)
	r.Body = io.NopCloser(body)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		body.Reset(payload)
		if _, err := Read(r, 0); err != nil {
			b.Fatal(err)
		}
	}
}
