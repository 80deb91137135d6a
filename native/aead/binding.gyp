{
  "targets": [
    {
      "target_name": "ts_tls_aead",
      "sources": ["aead.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
