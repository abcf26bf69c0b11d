package email_test

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// python is Debian's interpreter, which has python3-aiosmtpd; a python3
// earlier on PATH (pyenv, a virtualenv) may not.
const python = "/usr/bin/python3"

var aiosmtpdMissing = sync.OnceValue(func() error {
	out, err := exec.Command(python, "-c", "import aiosmtpd").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, bytes.TrimSpace(out))
	}
	return nil
})

// needAiosmtpd skips the test loudly when the test SMTP server cannot run,
// or fails it under CI=true, where a missing service is a failure.
func needAiosmtpd(t *testing.T) {
	t.Helper()
	err := aiosmtpdMissing()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("the email tests need Debian's python3-aiosmtpd (apt-get install -y python3-aiosmtpd): %s", err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip("SKIPPING: " + msg)
}

// received is one message as the test server got it.
type received struct {
	MailFrom string   `json:"mail_from"`
	RcptTos  []string `json:"rcpt_tos"`
	PeerPort int      `json:"peer_port"`
	Data     []byte   `json:"data"`
}

type smtpServer struct {
	mode           string // plain, starttls or tls
	port           int
	user, password string
	msgs           chan received
}

// startServer starts a test SMTP server of its own for t, stopped when t
// ends. With user set, it asks clients to sign in.
func startServer(t *testing.T, mode, user, password string) *smtpServer {
	t.Helper()
	needAiosmtpd(t)
	args := []string{"testdata/smtpd.py", "--mode", mode}
	if mode != "plain" {
		certFile, keyFile := writeCert(t)
		args = append(args, "--cert", certFile, "--key", keyFile)
	}
	if user != "" {
		args = append(args, "--user", user, "--password", password)
	}
	cmd := exec.Command(python, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the test SMTP server: %v", err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	s := &smtpServer{mode: mode, user: user, password: password, msgs: make(chan received, 32)}
	ports := make(chan int, 1)
	go s.read(stdout, ports)
	select {
	case s.port = <-ports:
	case <-time.After(30 * time.Second):
		t.Fatalf("the test SMTP server did not start: %s", stderr.String())
	}
	if s.port == 0 {
		t.Fatalf("the test SMTP server stopped: %s", stderr.String())
	}
	return s
}

// read passes the server's port, then its messages, on.
func (s *smtpServer) read(r io.Reader, ports chan<- int) {
	defer close(ports)
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := sc.Text()
		var port int
		if _, err := fmt.Sscanf(line, "PORT %d", &port); err == nil {
			ports <- port
			continue
		}
		var m received
		if err := json.Unmarshal([]byte(line), &m); err == nil {
			s.msgs <- m
		}
	}
}

// next waits for the next message the server received.
func (s *smtpServer) next(t *testing.T) received {
	t.Helper()
	select {
	case m := <-s.msgs:
		return m
	case <-time.After(20 * time.Second):
		t.Fatal("the test SMTP server received no message")
	}
	return received{}
}

// config is a connection's settings for this server.
func (s *smtpServer) config() map[string]any {
	security := map[string]string{"plain": "none", "starttls": "starttls", "tls": "tls"}[s.mode]
	c := map[string]any{
		"host":     "127.0.0.1",
		"port":     s.port,
		"security": security,
		"from":     "Bistro <bistro@example.com>",
		"timeout":  "20s",
	}
	if s.mode != "plain" {
		c["ca_pem"] = string(testCert().certPEM)
	}
	if s.user != "" {
		c["username"], c["password"] = s.user, s.password
	}
	return c
}

type cert struct{ certPEM, keyPEM []byte }

// testCert is a self-signed certificate for 127.0.0.1, made once.
var testCert = sync.OnceValue(func() cert {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Bistro test mail server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(err)
	}
	return cert{
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
})

func writeCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	c := testCert()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, c.certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, c.keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// parsed is a received message taken apart.
type parsed struct {
	header      mail.Header
	text, html  string
	attachments map[string]file
}

type file struct {
	contentType string
	data        []byte
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the received message cannot be read: %v\n%s", err, raw)
	}
	p := parsed{header: m.Header, attachments: map[string]file{}}
	p.walk(t, textproto.MIMEHeader(m.Header), m.Body, true)
	return p
}

// subject is the decoded Subject header.
func (p parsed) subject(t *testing.T) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(p.header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject %q: %v", p.header.Get("Subject"), err)
	}
	return s
}

// walk takes a part apart; top is set for a message of one part, whose
// body ends with the message's final line break.
func (p *parsed) walk(t *testing.T, h textproto.MIMEHeader, body io.Reader, top bool) {
	t.Helper()
	ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type %q: %v", h.Get("Content-Type"), err)
	}
	if strings.HasPrefix(ct, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p.walk(t, part.Header, part, false)
		}
	}
	data := decodeBody(t, h.Get("Content-Transfer-Encoding"), body)
	if top {
		data = bytes.TrimSuffix(data, []byte("\r\n"))
	}
	disposition, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	switch {
	case disposition == "attachment":
		p.attachments[dparams["filename"]] = file{contentType: ct, data: data}
	case ct == "text/plain":
		p.text = strings.ReplaceAll(string(data), "\r\n", "\n")
	case ct == "text/html":
		p.html = strings.ReplaceAll(string(data), "\r\n", "\n")
	}
}

func decodeBody(t *testing.T, encoding string, body io.Reader) []byte {
	t.Helper()
	var r io.Reader
	switch strings.ToLower(encoding) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body) // it skips line breaks
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	default:
		r = body
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode a %s part: %v", encoding, err)
	}
	return data
}
