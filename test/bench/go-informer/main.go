// go-informer: the client-go peer of test/bench/informer.bench.ts. It runs one
// SharedIndexInformer over the ConfigMaps (or, with kind "pods", the Pods) of
// one namespace and reports, as JSON lines on stdout: the time from start to
// synced (and the CPU time this process used meanwhile, getrusage
// user+system), the heap retained after sync (runtime.GC then
// MemStats.HeapAlloc, before and after), and, once it reads a round token on
// stdin, the updates that carry it: an object's round is its "bench/round"
// annotation, else (ConfigMaps) its data["round"]. A round equal to the token
// counts once per object; "<token>/<seq>" counts once per seq. It prints
// {"event":"seen"} with the wall-clock times (Unix ms) of the first and last
// counted update and the count, when the count reaches N (a line "expect <n>"
// on stdin sets N to n) or when a line "end" arrives, whichever is first.
// Usage: go-informer <kubeconfig> <namespace> <expected-updates> [configmaps|pods]
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

func emit(v map[string]any) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// cpuMs is the CPU time (user + system) this process has used so far.
func cpuMs() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

func unixMs(t time.Time) float64 { return float64(t.UnixMicro()) / 1000 }

// roundOf is the round marker an update carries.
func roundOf(obj any) (name, round string) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return "", ""
	}
	if r, ok := m.GetAnnotations()["bench/round"]; ok {
		return m.GetName(), r
	}
	if cm, ok := obj.(*corev1.ConfigMap); ok {
		return cm.Name, cm.Data["round"]
	}
	return m.GetName(), ""
}

func main() {
	if len(os.Args) != 4 && len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: go-informer <kubeconfig> <namespace> <expected-updates> [configmaps|pods]")
		os.Exit(2)
	}
	kubeconfig, namespace := os.Args[1], os.Args[2]
	expected, err := strconv.Atoi(os.Args[3])
	if err != nil {
		panic(err)
	}
	kind := "configmaps"
	if len(os.Args) == 5 {
		kind = os.Args[4]
	}
	var example k8sruntime.Object
	switch kind {
	case "configmaps":
		example = &corev1.ConfigMap{}
	case "pods":
		example = &corev1.Pod{}
	default:
		fmt.Fprintf(os.Stderr, "go-informer: unknown kind %q (configmaps or pods)\n", kind)
		os.Exit(2)
	}
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		panic(err)
	}
	config.QPS = -1 // no client-side limit, like the Node peers
	clientset, err := kubernetes.NewForConfig(config)
	if err != nil {
		panic(err)
	}
	heapBefore := heapAlloc()

	var mu sync.Mutex
	token := ""
	seen := map[string]bool{}
	var first, last time.Time
	done := make(chan struct{})
	doneOnce := sync.Once{}

	lw := cache.NewListWatchFromClient(clientset.CoreV1().RESTClient(), kind, namespace, fields.Everything())
	informer := cache.NewSharedIndexInformer(lw, example, 0, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	_, err = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, newObj any) {
			name, round := roundOf(newObj)
			mu.Lock()
			defer mu.Unlock()
			if token == "" {
				return
			}
			key := ""
			if round == token {
				key = name
			} else if seq, ok := strings.CutPrefix(round, token+"/"); ok {
				key = seq
			} else {
				return
			}
			if seen[key] {
				return
			}
			seen[key] = true
			last = time.Now()
			if len(seen) == 1 {
				first = last
			}
			if len(seen) >= expected {
				doneOnce.Do(func() { close(done) })
			}
		},
	})
	if err != nil {
		panic(err)
	}

	stop := make(chan struct{})
	start := time.Now()
	cpuStart := cpuMs()
	go informer.Run(stop)
	if !cache.WaitForCacheSync(stop, informer.HasSynced) {
		panic("cache did not sync")
	}
	syncMs := float64(time.Since(start).Microseconds()) / 1000
	syncCPU := cpuMs() - cpuStart
	objects := len(informer.GetStore().ListKeys())
	emit(map[string]any{"event": "synced", "ms": syncMs, "cpuMs": syncCPU, "objects": objects})
	emit(map[string]any{"event": "heap", "before": heapBefore, "after": heapAlloc()})

	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadString('\n')
	if err != nil {
		panic(err)
	}
	mu.Lock()
	token = strings.TrimSpace(line)
	mu.Unlock()
	go func() {
		for {
			l, err := in.ReadString('\n')
			n, isExpect := strings.CutPrefix(strings.TrimSpace(l), "expect ")
			target, convErr := strconv.Atoi(n)
			if err != nil || !isExpect || convErr != nil {
				doneOnce.Do(func() { close(done) }) // "end", or stdin closed
				return
			}
			mu.Lock()
			expected = target
			if len(seen) >= expected {
				doneOnce.Do(func() { close(done) })
			}
			mu.Unlock()
		}
	}()
	emit(map[string]any{"event": "armed"})
	<-done
	mu.Lock()
	out := map[string]any{"event": "seen", "at": unixMs(last), "first": unixMs(first), "count": len(seen)}
	mu.Unlock()
	emit(out)
	close(stop)
}
