#ifndef KGATE_CCURLSHIM_H
#define KGATE_CCURLSHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic and cannot be called
   from Swift; these typed wrappers each pass one argument of a known type. */
CURLcode kgate_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode kgate_setopt_ptr(CURL *handle, CURLoption option, void *value);
CURLcode kgate_setopt_str(CURL *handle, CURLoption option, const char *value);
CURLcode kgate_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode kgate_setopt_write_function(CURL *handle, size_t (*fn)(char *, size_t, size_t, void *));
CURLcode kgate_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode kgate_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode kgate_getinfo_str(CURL *handle, CURLINFO info, const char **value);

#endif
