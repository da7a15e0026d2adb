/*
 * TF_TString for the @tensorflow/tfjs-node binding, as a shim onto the string functions that
 * libtensorflow_cc.so.2 exports (TF_StringInit, TF_StringCopy, ... of TensorFlow's tf_tensor.h).
 *
 * TensorFlow's own header defines the TF_TString_* helpers inline over the string's internal layout, so they are
 * not symbols of the library. Here the helpers call the exported functions instead, and only the size and alignment
 * of the struct are fixed: a TF_STRING tensor's buffer is an array of TF_TString, so the binding indexes it with
 * sizeof(TF_TString) (24 bytes, 8-aligned, on 64-bit TensorFlow 2.x). The bytes themselves are only ever read and
 * written by TensorFlow.
 */
#ifndef RECSYS_TF_CORE_PLATFORM_CTSTRING_INTERNAL_H_
#define RECSYS_TF_CORE_PLATFORM_CTSTRING_INTERNAL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct TF_TString {
  /* opaque: union of TensorFlow's small (inline), large (heap), offset and view representations */
  union {
    uint8_t raw[24];
    void* align_;
  } u;
} TF_TString;

#ifdef __cplusplus
static_assert(sizeof(TF_TString) == 24, "TF_TString must be 24 bytes, as in TensorFlow 2.x");
static_assert(alignof(TF_TString) == 8, "TF_TString must be 8-byte aligned, as in TensorFlow 2.x");
#endif

/* The representation of a string: 0 small (inline), 1 large (owned heap buffer), 2 offset, 3 view (not owned). */
typedef enum TF_TString_Type {
  TF_TSTR_SMALL = 0x00,
  TF_TSTR_LARGE = 0x01,
  TF_TSTR_OFFSET = 0x02,
  TF_TSTR_VIEW = 0x03
} TF_TString_Type;

/* Exported by libtensorflow_cc.so.2 (declared in TensorFlow's tensorflow/c/tf_tensor.h). */
void TF_StringInit(TF_TString* t);
void TF_StringCopy(TF_TString* dst, const char* src, size_t size);
void TF_StringAssignView(TF_TString* dst, const char* src, size_t size);
const char* TF_StringGetDataPointer(const TF_TString* tstr);
TF_TString_Type TF_StringGetType(const TF_TString* str);
size_t TF_StringGetSize(const TF_TString* tstr);
size_t TF_StringGetCapacity(const TF_TString* str);
void TF_StringDealloc(TF_TString* tstr);

#ifdef __cplusplus
}
#endif

/* The inline helpers of TensorFlow's ctstring API that the binding calls, each forwarding to its exported twin. */
static inline void TF_TString_Init(TF_TString* str) { TF_StringInit(str); }
static inline void TF_TString_Copy(TF_TString* dst, const char* src, size_t size) { TF_StringCopy(dst, src, size); }
static inline void TF_TString_AssignView(TF_TString* dst, const char* src, size_t size) {
  TF_StringAssignView(dst, src, size);
}
static inline const char* TF_TString_GetDataPointer(const TF_TString* str) { return TF_StringGetDataPointer(str); }
static inline TF_TString_Type TF_TString_GetType(const TF_TString* str) { return TF_StringGetType(str); }
static inline size_t TF_TString_GetSize(const TF_TString* str) { return TF_StringGetSize(str); }
static inline size_t TF_TString_GetCapacity(const TF_TString* str) { return TF_StringGetCapacity(str); }
static inline void TF_TString_Dealloc(TF_TString* str) { TF_StringDealloc(str); }

#endif /* RECSYS_TF_CORE_PLATFORM_CTSTRING_INTERNAL_H_ */
