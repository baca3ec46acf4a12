// Command kubegen-test-kubelet is a small stand-in for the kubelet, for integration tests of
// exec, attach, port-forward and logs through a real kube-apiserver. It owns the wiring: flags,
// the Node it registers and keeps Ready, the HTTPS endpoint the API server calls (client
// certificate authentication, one allowed user) and shutdown. pods.go runs pods as local
// processes; streams.go serves the kubelet's URL paths with the kubelet's own streaming code
// (k8s.io/cri-streaming). It is a test tool: no images, no isolation, no probes.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
)

// Reported as the node's kubelet version; the API server does not read it.
const kubeletVersion = "v1.36.3-kubegen-test"

type flags struct {
	kubeconfig   string
	nodeName     string
	address      string
	podIP        string
	port         int
	certFile     string
	keyFile      string
	clientCAFile string
	allowedUser  string
	rootDir      string
	pidsFile     string
	heartbeat    time.Duration
}

func main() {
	var f flags
	flag.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig of a user that may manage nodes and pods (required)")
	flag.StringVar(&f.nodeName, "node-name", "kubegen-test-node", "name of the Node to register")
	flag.StringVar(&f.address, "address", "127.0.0.1", "IP address to serve on; also the node's InternalIP")
	flag.StringVar(&f.podIP, "pod-ip", "127.0.0.1", "IP address every pod reports as status.podIP (pods share the host's network); kube-apiserver proxies pods/proxy and services/proxy only to a non-loopback one")
	flag.IntVar(&f.port, "port", 10250, "HTTPS port")
	flag.StringVar(&f.certFile, "tls-cert-file", "", "serving certificate (PEM, required)")
	flag.StringVar(&f.keyFile, "tls-private-key-file", "", "serving key (PEM, required)")
	flag.StringVar(&f.clientCAFile, "client-ca-file", "", "CA that signs client certificates (PEM, required)")
	flag.StringVar(&f.allowedUser, "allowed-user", "", "the only client certificate common name that is authorised (required)")
	flag.StringVar(&f.rootDir, "root-dir", "", "folder for pod working folders and logs (required)")
	flag.StringVar(&f.pidsFile, "pids-file", "", "file to append the process group id of every started process to, for cleanup by a supervisor")
	flag.DurationVar(&f.heartbeat, "heartbeat", 10*time.Second, "how often the Ready condition is refreshed")
	klog.InitFlags(nil)
	flag.Parse()
	for name, v := range map[string]string{"kubeconfig": f.kubeconfig, "tls-cert-file": f.certFile, "tls-private-key-file": f.keyFile, "client-ca-file": f.clientCAFile, "allowed-user": f.allowedUser, "root-dir": f.rootDir} {
		if v == "" {
			fmt.Fprintf(os.Stderr, "kubegen-test-kubelet: --%s is required\n", name)
			os.Exit(2)
		}
	}
	if err := run(f); err != nil {
		fmt.Fprintf(os.Stderr, "kubegen-test-kubelet: %v\n", err)
		os.Exit(1)
	}
}

func run(f flags) error {
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()

	cfg, err := clientcmd.BuildConfigFromFlags("", f.kubeconfig)
	if err != nil {
		return fmt.Errorf("reading %s: %w", f.kubeconfig, err)
	}
	cfg.UserAgent = "kubegen-test-kubelet/" + kubeletVersion
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	tlsConfig, err := serverTLS(f)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.rootDir, 0o700); err != nil {
		return err
	}

	rt := newPodRuntime(client, f.nodeName, f.address, f.podIP, f.rootDir, f.pidsFile)
	srv := &http.Server{
		Handler:           authenticate(f.allowedUser, newStreamServer(rt).mux()),
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 30 * time.Second,
		// Upgrades (SPDY, WebSocket) need HTTP/1.1: no HTTP/2.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(f.address, strconv.Itoa(f.port)))
	if err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.ServeTLS(ln, "", "") }()

	if err := registerNode(ctx, client, f); err != nil {
		return fmt.Errorf("registering node %s: %w", f.nodeName, err)
	}
	go heartbeat(ctx, client, f)
	go rt.run(ctx)
	klog.InfoS("test kubelet serving", "node", f.nodeName, "address", ln.Addr().String())

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			rt.killAll()
			return err
		}
	}
	klog.InfoS("test kubelet stopping")
	rt.killAll()
	shutdown, done := context.WithTimeout(context.Background(), 2*time.Second)
	defer done()
	_ = srv.Shutdown(shutdown)
	return nil
}

func serverTLS(f flags) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(f.certFile, f.keyFile)
	if err != nil {
		return nil, fmt.Errorf("loading the serving certificate: %w", err)
	}
	caPEM, err := os.ReadFile(f.clientCAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("%s holds no PEM certificate", f.clientCAFile)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		// Verified when sent; a request without one is answered 401 below.
		ClientAuth: tls.VerifyClientCertIfGiven,
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
	}, nil
}

// authenticate lets through only requests whose verified client certificate names allowedUser:
// 401 without a certificate, 403 for any other user (the real kubelet delegates this to the
// API server with a SubjectAccessReview; one fixed user is enough for tests).
func authenticate(allowedUser string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.PeerCertificates) == 0 {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		user := r.TLS.PeerCertificates[0].Subject.CommonName
		if user != allowedUser {
			http.Error(w, fmt.Sprintf("Forbidden (user=%s, verb=%s, path=%s)", user, r.Method, r.URL.Path), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func nodeStatus(f flags, now metav1.Time) corev1.NodeStatus {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("2"),
		corev1.ResourceMemory: resource.MustParse("4Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	return corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity,
		Phase:       corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{{
			Type:               corev1.NodeReady,
			Status:             corev1.ConditionTrue,
			Reason:             "KubeletReady",
			Message:            "kubegen test kubelet is posting ready status",
			LastHeartbeatTime:  now,
			LastTransitionTime: now,
		}},
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: f.address},
			{Type: corev1.NodeHostName, Address: f.nodeName},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(f.port)}},
		NodeInfo: corev1.NodeSystemInfo{
			KubeletVersion:          kubeletVersion,
			OperatingSystem:         "linux",
			Architecture:            "amd64",
			ContainerRuntimeVersion: "kubegen-local-processes://0",
		},
	}
}

// registerNode creates the Node (or takes over one left from an earlier run) and writes its
// status: addresses, the kubelet port, and Ready=True.
func registerNode(ctx context.Context, client kubernetes.Interface, f flags) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: f.nodeName, Labels: map[string]string{
			"kubernetes.io/hostname": f.nodeName,
			"kubernetes.io/os":       "linux",
			"kubegen.dev/test-node":  "true",
		}},
	}
	if _, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return writeNodeStatus(ctx, client, f, true)
}

func writeNodeStatus(ctx context.Context, client kubernetes.Interface, f flags, fresh bool) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := client.CoreV1().Nodes().Get(ctx, f.nodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		now := metav1.Now()
		status := nodeStatus(f, now)
		if !fresh {
			// Keep the transition time of a condition that did not change.
			for _, c := range node.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					status.Conditions[0].LastTransitionTime = c.LastTransitionTime
				}
			}
		}
		node.Status = status
		_, err = client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
		return err
	})
}

func heartbeat(ctx context.Context, client kubernetes.Interface, f flags) {
	t := time.NewTicker(f.heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := writeNodeStatus(ctx, client, f, false); err != nil && ctx.Err() == nil {
				klog.ErrorS(err, "node heartbeat failed")
			}
		}
	}
}
