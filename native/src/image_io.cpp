// Image decoding for data-set readers: PNG/JPEG bytes -> uint8 CHW tensor, through OpenCV.
// Compiled with SVN_HAVE_OPENCV when CMake finds OpenCV (core, imgproc, imgcodecs); otherwise every
// call fails with a message that says how to get it.
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include "guard.h"

#ifdef SVN_HAVE_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif
#ifdef SVN_HAVE_PNG
#include <png.h>
#endif

using svn::new_handle;

#if defined(SVN_HAVE_OPENCV) && defined(SVN_HAVE_PNG)
namespace {
// PNGs go through libpng's simplified API rather than OpenCV's reader: it reports problems in image.message instead
// of printing "libpng warning/error" lines on the process's stderr, so the caller gets one clean error.
// Returns false when the bytes are not a PNG. Alpha is dropped (as OpenCV does); the result is GRAY or RGB.
bool decode_png(const uint8_t* bytes, int64_t length, cv::Mat& out) {
  if (length < 8 || png_sig_cmp(bytes, 0, 8) != 0) return false;
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes, static_cast<size_t>(length)))
    throw std::runtime_error(std::string("could not decode PNG: ") + image.message);
  if (static_cast<uint64_t>(image.width) * image.height > (uint64_t{1} << 30)) {
    png_image_free(&image);
    throw std::runtime_error("PNG of " + std::to_string(image.width) + "x" + std::to_string(image.height) + " pixels is too large");
  }
  bool color = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  bool alpha = (image.format & PNG_FORMAT_FLAG_ALPHA) != 0;
  image.format = color ? (alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB) : (alpha ? PNG_FORMAT_GA : PNG_FORMAT_GRAY);
  int stored = (color ? 3 : 1) + (alpha ? 1 : 0);
  cv::Mat decoded(static_cast<int>(image.height), static_cast<int>(image.width), CV_8UC(stored));
  if (!png_image_finish_read(&image, nullptr, decoded.data, 0, nullptr)) {
    std::string message = image.message;
    png_image_free(&image);
    throw std::runtime_error("could not decode PNG: " + message);
  }
  if (!alpha) {
    out = decoded;
  } else if (color) {
    cv::cvtColor(decoded, out, cv::COLOR_RGBA2RGB);
  } else {
    cv::extractChannel(decoded, out, 0);
  }
  return true;
}
}  // namespace
#endif

extern "C" {

int svn_image_decode(const uint8_t* bytes, int64_t length, int32_t channels, int32_t height, int32_t width,
                     svn_tensor* out) {
  SVN_GUARD({
    if (out == nullptr) throw std::invalid_argument("null output pointer");
    *out = nullptr;
#ifndef SVN_HAVE_OPENCV
    throw std::runtime_error("image decoding unavailable: libsimvae_native was built without OpenCV: apt-get install libopencv-dev, then rebuild");
#else
    if (bytes == nullptr || length <= 0) throw std::invalid_argument("empty image data");
    if (length > static_cast<int64_t>(INT32_MAX)) throw std::invalid_argument("image data larger than 2 GiB");
    if (channels != 1 && channels != 3)
      throw std::invalid_argument("channels must be 1 (grayscale) or 3 (RGB), got " + std::to_string(channels));
    if (height <= 0 || width <= 0 || height > 16384 || width > 16384)
      throw std::invalid_argument("target size must be within 1..16384, got " + std::to_string(height) + "x" +
                                  std::to_string(width));
    // imdecode never writes to its input; the Mat header only wraps the caller's bytes.
    cv::Mat image;
#ifdef SVN_HAVE_PNG
    if (decode_png(bytes, length, image)) {
      cv::Mat converted;
      if (channels == 1 && image.channels() == 3) cv::cvtColor(image, converted, cv::COLOR_RGB2GRAY);
      if (channels == 3 && image.channels() == 1) cv::cvtColor(image, converted, cv::COLOR_GRAY2RGB);
      if (!converted.empty()) image = converted;
    } else
#endif
    {
      cv::Mat raw(1, static_cast<int>(length), CV_8UC1, const_cast<uint8_t*>(bytes));
      image = cv::imdecode(raw, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
      if (image.empty()) throw std::runtime_error("could not decode image (not a PNG/JPEG file, or corrupt data)");
      if (image.depth() != CV_8U) {
        cv::Mat converted;
        image.convertTo(converted, CV_8U);
        image = converted;
      }
      if (channels == 3) {
        cv::Mat rgb;
        cv::cvtColor(image, rgb, cv::COLOR_BGR2RGB);
        image = rgb;
      }
    }
    if (image.rows != height || image.cols != width) {
      cv::Mat resized;
      cv::resize(image, resized, cv::Size(width, height), 0, 0, cv::INTER_AREA);
      image = resized;
    }
    if (!image.isContinuous()) image = image.clone();
    at::Tensor hwc = at::empty({height, width, channels}, at::TensorOptions().dtype(at::kByte));
    std::memcpy(hwc.data_ptr(), image.data, static_cast<size_t>(height) * width * channels);
    *out = new_handle(hwc.permute({2, 0, 1}).contiguous());
#endif
  })
}

}  // extern "C"
