/*
 * ts-tls optional native AEAD: OpenSSL's EVP AEAD (the same OpenSSL node:crypto uses, linked from
 * the node binary) called with one cipher context per traffic key, so a record costs an IV reset
 * and the cipher itself. node:crypto's API needs a new cipher object per record (a cipher fetch,
 * a key schedule, two output allocations and a copy): 7 us against 3 us per 16 KiB record here.
 *
 * No cryptography is implemented in this file: it only calls EVP_CipherInit_ex / EVP_CipherUpdate
 * / EVP_CipherFinal_ex / EVP_CIPHER_CTX_ctrl. Output goes into a caller-provided Uint8Array at an
 * offset, every length and offset is bounds-checked before OpenSSL sees a pointer, and failures
 * return -1 (the TypeScript side turns that into bad_record_mac or an internal error).
 */
#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>

#define TAG_LEN 16
#define NONCE_LEN 12
/* Far above any TLS record (2^14 + 256); keeps every length well inside OpenSSL's int. */
#define MAX_RECORD_INPUT (1 << 20)

typedef struct {
  EVP_CIPHER_CTX *ctx;
  int encrypt;
} aead_t;

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  aead_t *a = data;
  EVP_CIPHER_CTX_free(a->ctx); /* cleanses the key schedule */
  free(a);
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

static int is_number(napi_env env, napi_value v) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && t == napi_number;
}

static napi_value int_result(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

/* A Uint8Array (Buffer included): its data pointer and length. */
static int get_u8(napi_env env, napi_value v, unsigned char **p, size_t *n) {
  napi_typedarray_type t;
  napi_value ab;
  size_t off;
  void *data = NULL;
  if (napi_get_typedarray_info(env, v, &t, n, &data, &ab, &off) != napi_ok || t != napi_uint8_array) return 0;
  /* An empty view may have no backing pointer; OpenSSL is never handed it with a non-zero length. */
  *p = data;
  return 1;
}

/* A number that is an integer in [lo, hi] (not NaN, not a fraction, not out of range). */
static int get_int_in(napi_env env, napi_value v, double lo, double hi, int64_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= lo && d <= hi) || d != (double)(int64_t)d) return 0;
  *out = (int64_t)d;
  return 1;
}

static int get_handle(napi_env env, napi_value v, aead_t **a) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return 0;
  return napi_get_value_external(env, v, (void **)a) == napi_ok && *a != NULL;
}

/* Reads `want` arguments into argv; those seal and open share (handle, nonce, aad, input at 0..3,
 * the output at `out_at`) into c. 0 when any is missing or of the wrong type. */
typedef struct {
  aead_t *a;
  unsigned char *nonce, *aad, *in, *out;
  size_t nonce_len, aad_len, in_len, out_len;
} call_t;

static int get_call(napi_env env, napi_callback_info info, size_t want, napi_value *argv, int out_at, call_t *c) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  return argc >= want && get_handle(env, argv[0], &c->a) && get_u8(env, argv[1], &c->nonce, &c->nonce_len) &&
         get_u8(env, argv[2], &c->aad, &c->aad_len) && get_u8(env, argv[3], &c->in, &c->in_len) &&
         get_u8(env, argv[out_at], &c->out, &c->out_len);
}

/* create(alg: 0 aes-128-gcm | 1 aes-256-gcm | 2 chacha20-poly1305, key, encrypt) -> handle */
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) return throw_type(env, "create(alg, key, encrypt)");
  int32_t alg;
  unsigned char *key;
  size_t key_len;
  bool encrypt;
  if (napi_get_value_int32(env, argv[0], &alg) != napi_ok) return throw_type(env, "alg must be a number");
  if (!get_u8(env, argv[1], &key, &key_len)) return throw_type(env, "key must be a Uint8Array");
  if (napi_get_value_bool(env, argv[2], &encrypt) != napi_ok) return throw_type(env, "encrypt must be a boolean");
  const EVP_CIPHER *cipher = alg == 0 ? EVP_aes_128_gcm() : alg == 1 ? EVP_aes_256_gcm() : alg == 2 ? EVP_chacha20_poly1305() : NULL;
  if (cipher == NULL) return throw_type(env, "unknown AEAD");
  if ((int)key_len != EVP_CIPHER_get_key_length(cipher)) return throw_type(env, "wrong key length");
  aead_t *a = malloc(sizeof *a);
  if (a == NULL) return throw_type(env, "out of memory");
  a->ctx = EVP_CIPHER_CTX_new();
  a->encrypt = encrypt ? 1 : 0;
  if (a->ctx == NULL || EVP_CipherInit_ex(a->ctx, cipher, NULL, key, NULL, a->encrypt) != 1) {
    EVP_CIPHER_CTX_free(a->ctx);
    free(a);
    return throw_type(env, "cipher initialisation failed");
  }
  napi_value ext;
  if (napi_create_external(env, a, finalize, NULL, &ext) != napi_ok) {
    finalize(env, a, NULL);
    return throw_type(env, "cannot wrap the cipher");
  }
  return ext;
}

/*
 * seal(handle, nonce, aad, plaintext, typeByte, out, offset) -> bytes written or -1.
 * Writes ciphertext(plaintext || typeByte) || tag at out[offset..]; typeByte < 0 appends nothing
 * (TLS 1.2). The output must not overlap the input.
 */
static napi_value seal(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  call_t c;
  if (!get_call(env, info, 7, argv, 5, &c)) return throw_type(env, "seal(handle, nonce, aad, plaintext, type, out, offset)");
  int64_t type, offset;
  if (!is_number(env, argv[4]) || !is_number(env, argv[6])) return throw_type(env, "seal: type and offset must be numbers");
  /* Never wrapped or truncated: a fraction, NaN or an out-of-range value is a failed call. */
  if (!get_int_in(env, argv[4], -1, 255, &type) || !get_int_in(env, argv[6], 0, (double)c.out_len, &offset))
    return int_result(env, -1);
  size_t extra = type >= 0 ? 1 : 0;
  if (c.a->ctx == NULL || !c.a->encrypt || c.nonce_len != NONCE_LEN || c.aad_len > 64 || c.in_len > MAX_RECORD_INPUT ||
      c.out_len - (size_t)offset < c.in_len + extra + TAG_LEN)
    return int_result(env, -1);
  unsigned char *o = c.out + offset;
  unsigned char type_byte = (unsigned char)type;
  int n = 0, total = 0;
  if (EVP_CipherInit_ex(c.a->ctx, NULL, NULL, NULL, c.nonce, 1) != 1) return int_result(env, -1);
  if (c.aad_len > 0 && EVP_CipherUpdate(c.a->ctx, NULL, &n, c.aad, (int)c.aad_len) != 1) return int_result(env, -1);
  if (c.in_len > 0) {
    if (EVP_CipherUpdate(c.a->ctx, o, &n, c.in, (int)c.in_len) != 1) return int_result(env, -1);
    total += n;
  }
  if (extra) {
    if (EVP_CipherUpdate(c.a->ctx, o + total, &n, &type_byte, 1) != 1) return int_result(env, -1);
    total += n;
  }
  if (EVP_CipherFinal_ex(c.a->ctx, o + total, &n) != 1) return int_result(env, -1);
  total += n;
  if ((size_t)total != c.in_len + extra) return int_result(env, -1);
  if (EVP_CIPHER_CTX_ctrl(c.a->ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, o + total) != 1) return int_result(env, -1);
  return int_result(env, total + TAG_LEN);
}

/*
 * open(handle, nonce, aad, ciphertextAndTag, out, offset) -> plaintext length or -1.
 * Writes the plaintext at out[offset..]; on a bad tag that region is wiped and -1 returned.
 * The output may be exactly the ciphertext's own bytes (in place), not a partial overlap.
 */
static napi_value open_(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  call_t c;
  if (!get_call(env, info, 6, argv, 4, &c)) return throw_type(env, "open(handle, nonce, aad, ciphertextAndTag, out, offset)");
  int64_t offset;
  if (!is_number(env, argv[5])) return throw_type(env, "open: offset must be a number");
  if (!get_int_in(env, argv[5], 0, (double)c.out_len, &offset)) return int_result(env, -1);
  if (c.a->ctx == NULL || c.a->encrypt || c.nonce_len != NONCE_LEN || c.aad_len > 64 || c.in_len < TAG_LEN || c.in_len > MAX_RECORD_INPUT + TAG_LEN ||
      c.out_len - (size_t)offset < c.in_len - TAG_LEN)
    return int_result(env, -1);
  size_t body = c.in_len - TAG_LEN;
  unsigned char *o = c.out + offset;
  int n = 0, total = 0, ok = 1;
  /* In place is safe: the output stops at `body` bytes, before the tag it still has to read. */
  ok = EVP_CipherInit_ex(c.a->ctx, NULL, NULL, NULL, c.nonce, 0) == 1;
  if (ok && c.aad_len > 0) ok = EVP_CipherUpdate(c.a->ctx, NULL, &n, c.aad, (int)c.aad_len) == 1;
  if (ok && body > 0) {
    ok = EVP_CipherUpdate(c.a->ctx, o, &n, c.in, (int)body) == 1;
    total = n;
  }
  if (ok) ok = EVP_CIPHER_CTX_ctrl(c.a->ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, c.in + body) == 1;
  if (ok) ok = EVP_CipherFinal_ex(c.a->ctx, o + total, &n) == 1; /* verifies the tag */
  if (ok) total += n;
  if (!ok || (size_t)total != body) {
    if (body > 0) OPENSSL_cleanse(o, body); /* never leave unauthenticated plaintext behind */
    return int_result(env, -1);
  }
  return int_result(env, total);
}

/* dispose(handle): frees the context (cleansing the key schedule) now instead of at GC; later
 * seal/open on the handle fail. */
static napi_value dispose(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  aead_t *a;
  if (argc < 1 || !get_handle(env, argv[0], &a)) return throw_type(env, "dispose(handle)");
  EVP_CIPHER_CTX_free(a->ctx);
  a->ctx = NULL;
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
    {"seal", NULL, seal, NULL, NULL, NULL, napi_default, NULL},
    {"open", NULL, open_, NULL, NULL, NULL, napi_default, NULL},
    {"dispose", NULL, dispose, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
