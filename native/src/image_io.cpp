// Image decoding for data-set readers: PNG/JPEG bytes -> uint8 CHW tensor, through OpenCV.
// Compiled with SVN_HAVE_OPENCV when CMake finds OpenCV (core, imgproc, imgcodecs); otherwise every
// call fails with a message that says how to get it.
#include <cstring>
#include <string>
#include "guard.h"

#ifdef SVN_HAVE_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

using svn::new_handle;

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
    cv::Mat raw(1, static_cast<int>(length), CV_8UC1, const_cast<uint8_t*>(bytes));
    cv::Mat image = cv::imdecode(raw, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
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
