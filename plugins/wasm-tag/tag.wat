;; A Sluice WebAssembly transform (docs/plugins.md, the ABI): adds "wasm":true to every event.
;;
;; The runner writes a batch as NDJSON (one compact JSON object per line) into memory from `alloc`,
;; calls `process(ptr, len)`, and reads the NDJSON at (result >> 32, result & 0xffffffff).
(module
  (import "sluice" "count" (func $count (param i32 i32 i64)))
  (memory (export "memory") 1)
  ;; Where the input starts; output follows it.
  (global $base i32 (i32.const 1024))
  (global $heap (mut i32) (i32.const 1024))
  ;; 12 bytes written after a line's "{", then the name of the counter.
  (data (i32.const 0) "{\"wasm\":true")
  (data (i32.const 16) "tagged")

  ;; Grows the memory to at least `end` bytes; 0 when it cannot (past the runner's max_memory).
  (func $reserve (param $end i32) (result i32)
    (local $pages i32)
    (local.set $pages
      (i32.sub (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16)) (memory.size)))
    (if (i32.gt_s (local.get $pages) (i32.const 0))
      (then
        (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1))
          (then (return (i32.const 0))))))
    (i32.const 1))

  ;; Room for one batch: the heap starts over for every batch.
  (func (export "alloc") (param $size i32) (result i32)
    (if (i32.eqz (call $reserve (i32.add (global.get $base) (local.get $size))))
      (then (return (i32.const 0))))
    (global.set $heap (i32.add (global.get $base) (local.get $size)))
    (global.get $base))

  (func (export "process") (param $in i32) (param $len i32) (result i64)
    (local $out i32) (local $o i32) (local $i i32) (local $end i32) (local $byte i32)
    (local $lineStart i32) (local $tagged i64)
    (local.set $out (global.get $heap))
    ;; The most a batch can grow: "{}\n" (3 bytes) becomes 14.
    (if (i32.eqz (call $reserve (i32.add (local.get $out) (i32.mul (local.get $len) (i32.const 5)))))
      (then (return (i64.const -1))))
    (local.set $o (local.get $out))
    (local.set $i (local.get $in))
    (local.set $end (i32.add (local.get $in) (local.get $len)))
    (local.set $lineStart (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $byte (i32.load8_u (local.get $i)))
        (if (i32.and (local.get $lineStart) (i32.eq (local.get $byte) (i32.const 123)))
          (then
            ;; "{" at the start of a line: write {"wasm":true, and a comma unless the object is empty.
            (i64.store (local.get $o) (i64.load (i32.const 0)))
            (i32.store (i32.add (local.get $o) (i32.const 8)) (i32.load (i32.const 8)))
            (local.set $o (i32.add (local.get $o) (i32.const 12)))
            (local.set $tagged (i64.add (local.get $tagged) (i64.const 1)))
            (if (i32.ne (i32.load8_u (i32.add (local.get $i) (i32.const 1))) (i32.const 125))
              (then
                (i32.store8 (local.get $o) (i32.const 44))
                (local.set $o (i32.add (local.get $o) (i32.const 1))))))
          (else
            (i32.store8 (local.get $o) (local.get $byte))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))))
        (local.set $lineStart (i32.eq (local.get $byte) (i32.const 10)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $count (i32.const 16) (i32.const 6) (local.get $tagged))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
      (i64.extend_i32_u (i32.sub (local.get $o) (local.get $out)))))
)
