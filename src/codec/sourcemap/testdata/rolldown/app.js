// The entry: calls into util.js so the bundle has two sources.
import { totalOf } from "./util.js";

function renderCart(items) {
  const total = totalOf(items);
  console.log("sextantCartTotal", total);
  return total;
}

window.sextantCheckout = function checkout() {
  return renderCart([{ price: "3" }, { price: "oops" }]);
};
